import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaRuntime } from '../../../../src/devcluster/index.js';
import type { KubeObject } from '../../../../src/k8s/index.js';
import { ClusterAdmin } from '../../../../apps/kafka/admin/cluster-admin.js';
import { adminClient, eventually, kubeconfigPath, useNamespace } from '../../harness.js';
import { describeQuorumReplication, installCrds, OperatorProcess } from './operator.js';
import { deliveryProblems, killProducers, NumberedProducer, readAll } from './traffic.js';

type Condition = { type: string; status: string; reason?: string; message?: string; observedGeneration?: number };
type Cluster = KubeObject & { status?: { bootstrap?: string; quorum?: { leader?: number; voters: number[] }; brokers?: { id: number; ready: boolean; roles: string }[]; conditions?: Condition[] } };

const group = 'kafka.capstan.dev';
const version = 'v1alpha1';

/**
 * A KafkaCluster whose controller quorum runs in pods of its own (`controllers.mode: dedicated`):
 * the voters are controller-only nodes 100-102, the broker serves an RF 1 topic, and deleting the
 * cluster removes every node.
 */
describe('KafkaCluster with dedicated controllers on real KRaft nodes', () => {
  const ns = useNamespace('kafka-dedicated');
  const client = adminClient();
  const clusters = { group, version, resource: 'kafkaclusters', namespace: ns.name };
  const pods = { group: '', version: 'v1', resource: 'pods', namespace: ns.name };
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-kafka-dedicated-'));
  const operator = new OperatorProcess(kubeconfigPath(), ns.name, path.join(logDir, 'operator.log'));
  const selector = 'app.kubernetes.io/name=kafka,app.kubernetes.io/instance=split';

  beforeAll(async () => {
    await kafkaRuntime.ensure('4.4.0', (line) => process.stderr.write(`[kafka] ${line}\n`));
    await installCrds(client);
    operator.start();
  }, 300_000);

  afterAll(async () => {
    killProducers();
    await operator.stop();
    client.close();
  });

  it('forms the quorum from three controller-only nodes and serves writes through the broker', async () => {
    await client.create(clusters, {
      apiVersion: `${group}/${version}`, kind: 'KafkaCluster', metadata: { name: 'split', namespace: ns.name },
      spec: { version: '4.4.0', brokers: 1, controllers: { count: 3, mode: 'dedicated' }, resources: { heap: '192m' }, storage: { size: '1Gi' } },
    });
    const cluster = await eventually('the KafkaCluster to be Ready', async () => {
      const c = await client.get<Cluster>({ ...clusters, name: 'split' });
      return c?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') && c;
    }, 300_000, 1000);
    expect([...cluster.status!.quorum!.voters].sort((a, b) => a - b)).toEqual([100, 101, 102]);
    expect(cluster.status!.quorum!.leader).toBeGreaterThanOrEqual(100);
    // status.brokers lists every node with its roles.
    expect(cluster.status!.brokers!.map((b) => `${b.id}:${b.roles}:${b.ready}`)).toEqual(['0:broker:true', '100:controller:true', '101:controller:true', '102:controller:true']);
    const names = (await client.list<KubeObject>(pods, { labelSelector: selector })).items.map((p) => p.metadata.name).sort();
    expect(names).toEqual(['split-broker-0', 'split-controller-100', 'split-controller-101', 'split-controller-102']);

    const bootstrap = cluster.status!.bootstrap!.split(',');
    const replicas = await describeQuorumReplication(bootstrap[0]!, '4.4.0');
    expect(replicas.filter((r) => r.status !== 'Observer').map((r) => r.nodeId).sort((a, b) => a - b)).toEqual([100, 101, 102]);
    expect(replicas.find((r) => r.nodeId === 0)?.status).toBe('Observer');
    const admin = new ClusterAdmin(bootstrap);
    await admin.createTopic('audit', 2, 1, {});
    const metadata = await admin.metadata();
    await admin.close();
    expect(metadata.brokers.map((b) => b.id)).toEqual([0]);
    const producer = new NumberedProducer(bootstrap, 'audit', 'dedicated');
    await producer.sendBatch(100);
    await producer.stop();
    expect(producer.failures).toBe(0);
    expect(deliveryProblems(producer, await readAll(bootstrap, 'audit'))).toEqual([]);
  }, 420_000);

  it('deleting it removes the broker and every controller', async () => {
    await client.delete({ ...clusters, name: 'split' });
    for (const resource of ['pods', 'persistentvolumeclaims']) {
      await eventually(`every ${resource} of the cluster to be deleted`, async () => (await client.list({ group: '', version: 'v1', resource, namespace: ns.name }, { labelSelector: selector })).items.length === 0, 120_000, 1000);
    }
  }, 180_000);
});
