import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaRuntime } from '../../../../src/devcluster/index.js';
import { ApiError, type KubeObject } from '../../../../src/k8s/index.js';
import { ClusterAdmin } from '../../../../apps/kafka/admin/cluster-admin.js';
import { KafkaApiError } from '../../../../apps/kafka/admin/requests.js';
import { adminClient, eventually, kubeconfigPath, useNamespace } from '../../harness.js';
import { describeQuorumReplication, installCrds, OperatorProcess } from './operator.js';
import { deliveryProblems, killProducers, NumberedProducer, readAll } from './traffic.js';

const run = promisify(execFile);
type Condition = { type: string; status: string; reason?: string; message?: string; observedGeneration?: number };
type Cluster = KubeObject & { spec: Record<string, unknown>; status?: { clusterId?: string; bootstrap?: string; readyBrokers?: number; underReplicatedPartitions?: number; quorum?: { leader?: number; voters: number[] }; brokers?: { id: number; ready: boolean; address?: string }[]; conditions?: Condition[]; observedGeneration?: number } };
type Topic = KubeObject & { status?: { topicId?: string; partitions?: number; inSync?: boolean; conditions?: Condition[] } };
type Pod = KubeObject & { metadata: { annotations?: Record<string, string>; creationTimestamp?: string }; status?: { podIP?: string; conditions?: Condition[]; containerStatuses?: { restartCount: number }[] } };

const group = 'kafka.capstan.dev';
const version = 'v1alpha1';

/**
 * One three-broker KafkaCluster on the real local cluster, taken through its life with real Kafka
 * 4.4 brokers: create, topics, a broker killed, a rolling configuration change, a node whose volume
 * is lost, scale out, scale in and deletion. A producer writes numbered messages with acks=all; every acknowledged message must
 * be read back at the partition and offset Kafka acknowledged.
 */
describe('KafkaCluster on real KRaft brokers', () => {
  const ns = useNamespace('kafka');
  const client = adminClient();
  const clusters = { group, version, resource: 'kafkaclusters', namespace: ns.name };
  const topics = { group, version, resource: 'kafkatopics', namespace: ns.name };
  const pods = { group: '', version: 'v1', resource: 'pods', namespace: ns.name };
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-kafka-e2e-'));
  const operator = new OperatorProcess(kubeconfigPath(), ns.name, path.join(logDir, 'operator.log'));
  const selector = 'app.kubernetes.io/name=kafka,app.kubernetes.io/instance=events';

  const getCluster = async () => (await client.get<Cluster>({ ...clusters, name: 'events' }))!;
  const condition = (obj: { status?: { conditions?: Condition[] } } | undefined, type: string) => obj?.status?.conditions?.find((c) => c.type === type);
  const bootstrap = async () => (await getCluster()).status!.bootstrap!.split(',');
  const listPods = async () => (await client.list<Pod>(pods, { labelSelector: selector })).items;

  /** Waits until the cluster is Ready for its current generation. */
  const readyCluster = async (what: string, timeoutMs = 240_000) => {
    const generation = (await getCluster()).metadata.generation;
    return eventually(`${what} (KafkaCluster Ready at generation ${generation})`, async () => {
      const c = await getCluster();
      const ready = condition(c, 'Ready');
      return ready?.status === 'True' && ready.observedGeneration === generation && c;
    }, timeoutMs, 1000);
  };

  beforeAll(async () => {
    await kafkaRuntime.ensure('4.4.0', (line) => process.stderr.write(`[kafka] ${line}\n`));
    await installCrds(client);
    operator.start();
    await client.create(clusters, {
      apiVersion: `${group}/${version}`, kind: 'KafkaCluster', metadata: { name: 'events', namespace: ns.name },
      spec: { version: '4.4.0', brokers: 3, controllers: { count: 3, mode: 'combined' }, resources: { heap: '256m' }, storage: { size: '1Gi' } },
    });
  }, 300_000);

  afterAll(async () => {
    killProducers();
    await operator.stop();
    client.close();
  });

  it('creates three brokers that are also the three voters of the quorum, and serves an RF 3 topic with acks=all', async () => {
    const cluster = await readyCluster('three brokers to start', 300_000);
    expect(cluster.status!.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cluster.status!.readyBrokers).toBe(3);
    expect(cluster.status!.quorum!.voters).toEqual([0, 1, 2]);
    expect([0, 1, 2]).toContain(cluster.status!.quorum!.leader);
    expect(cluster.status!.underReplicatedPartitions).toBe(0);
    const identity = await client.get<KubeObject & { data: Record<string, string> }>({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name: 'events-kafka-identity' });
    expect(identity!.data.clusterId).toBe(cluster.status!.clusterId);

    await client.create(topics, {
      apiVersion: `${group}/${version}`, kind: 'KafkaTopic', metadata: { name: 'orders', namespace: ns.name },
      spec: { cluster: 'events', partitions: 3, replicationFactor: 3, config: { 'min.insync.replicas': '2' } },
    });
    const topic = await eventually('topic orders to be Ready', async () => {
      const t = await client.get<Topic>({ ...topics, name: 'orders' });
      return condition(t, 'Ready')?.status === 'True' && t;
    }, 60_000, 500);
    expect(topic.status!.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(topic.status!.partitions).toBe(3);

    const producer = new NumberedProducer(await bootstrap(), 'orders', 'create');
    await producer.sendBatch(200);
    await producer.stop();
    expect(producer.failures).toBe(0);
    expect(producer.acks).toHaveLength(200);
    const records = await readAll(await bootstrap(), 'orders');
    expect(deliveryProblems(producer, records)).toEqual([]);
    const admin = new ClusterAdmin(await bootstrap());
    const [orders] = (await admin.metadata()).topics.filter((t) => t.name === 'orders');
    await admin.close();
    expect(orders!.topicId).toBe(topic.status!.topicId);
    expect(orders!.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
  }, 360_000);

  it('refuses an operator-owned config key, a replication factor above the broker count and a partition decrease, changing nothing', async () => {
    const refused = await client.patch({ ...clusters, name: 'events' }, 'merge', { spec: { config: { 'process.roles': 'broker' } } }).then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as Error).message).toContain('config key "process.roles" is owned by the operator');
    expect((await getCluster()).metadata.generation).toBe(1);

    await client.create(topics, { apiVersion: `${group}/${version}`, kind: 'KafkaTopic', metadata: { name: 'too-wide', namespace: ns.name }, spec: { cluster: 'events', partitions: 1, replicationFactor: 5 } });
    const wide = await eventually('topic too-wide to be refused', async () => {
      const t = await client.get<Topic>({ ...topics, name: 'too-wide' });
      return condition(t, 'Ready')?.reason === 'InvalidSpec' && t;
    }, 60_000, 500);
    expect(condition(wide, 'Ready')!.message).toContain('spec.replicationFactor 5 is more than the 3 brokers');

    await client.patch({ ...topics, name: 'orders' }, 'merge', { spec: { partitions: 4 } });
    await eventually('orders to have 4 partitions', async () => (await client.get<Topic>({ ...topics, name: 'orders' }))?.status?.partitions === 4 && condition(await client.get<Topic>({ ...topics, name: 'orders' }), 'Ready')?.status === 'True', 60_000, 500);
    await client.patch({ ...topics, name: 'orders' }, 'merge', { spec: { partitions: 2 } });
    const decreased = await eventually('the partition decrease to be refused', async () => {
      const t = await client.get<Topic>({ ...topics, name: 'orders' });
      return condition(t, 'Ready')?.reason === 'PartitionDecreaseRefused' && t;
    }, 60_000, 500);
    expect(condition(decreased, 'Ready')!.message).toContain('Kafka cannot remove partitions');

    const admin = new ClusterAdmin(await bootstrap());
    const live = (await admin.metadata()).topics;
    await admin.close();
    expect(live.find((t) => t.name === 'orders')!.partitions).toHaveLength(4);
    expect(live.some((t) => t.name === 'too-wide')).toBe(false);
    await client.patch({ ...topics, name: 'orders' }, 'merge', { spec: { partitions: 4 } });
    await client.delete({ ...topics, name: 'too-wide' });
  }, 180_000);

  it('keeps taking acks=all writes while a broker is SIGKILLed, and the broker rejoins with its replicas back in sync', async () => {
    const producer = new NumberedProducer(await bootstrap(), 'orders', 'kill');
    await producer.start();
    await eventually('the producer to get going', async () => producer.acks.length >= 50, 60_000, 100);
    const victim = (await listPods()).find((p) => p.metadata.name === 'events-broker-1')!;
    const { stdout } = await run('pgrep', ['-f', `advertised.listeners=PLAINTEXT://${victim.status!.podIP}:9092,`]);
    const pids = stdout.trim().split('\n').filter(Boolean).map(Number);
    expect(pids).toHaveLength(1);
    process.kill(pids[0]!, 'SIGKILL');
    const acked = producer.acks.length;
    await eventually('the killed broker to be restarted and Ready', async () => {
      const pod = (await listPods()).find((p) => p.metadata.name === 'events-broker-1');
      return (pod?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && condition(pod, 'Ready')?.status === 'True';
    }, 120_000, 500);
    await eventually('every replica back in sync', async () => {
      const admin = new ClusterAdmin(await bootstrap());
      try {
        return (await admin.metadata()).topics.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length));
      } finally {
        await admin.close();
      }
    }, 120_000, 1000);
    await eventually('more writes acknowledged after the kill', async () => producer.acks.length > acked + 50, 60_000, 200);
    await producer.stop();
    expect(producer.failures, producer.summary()).toBe(0);
    expect(deliveryProblems(producer, await readAll(await bootstrap(), 'orders'))).toEqual([]);
  }, 300_000);

  /** Each node's meta.properties (cluster id, node id, directory id), read from its volume on the host. */
  const metaProperties = async (): Promise<Record<string, string>> => {
    const claims = (await client.list<KubeObject & { spec: { volumeName?: string } }>({ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace: ns.name }, { labelSelector: selector })).items;
    const out: Record<string, string> = {};
    for (const claim of claims) {
      const pv = await client.get<KubeObject & { spec: { hostPath: { path: string } } }>({ group: '', version: 'v1', resource: 'persistentvolumes', name: claim.spec.volumeName! });
      out[claim.metadata.name!] = fs.readFileSync(path.join(pv!.spec.hostPath.path, 'kraft', 'meta.properties'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).sort().join('\n');
    }
    return out;
  };

  /** Samples the pods every 300 ms and keeps the most that were down (missing or not Ready) at once. */
  const watchDowntime = (names: readonly string[]) => {
    let maxDown = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const live = await listPods().catch(() => undefined);
        if (live) maxDown = Math.max(maxDown, names.filter((n) => { const p = live.find((x) => x.metadata.name === n); return !p || p.metadata.deletionTimestamp || condition(p, 'Ready')?.status !== 'True'; }).length);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    return async () => {
      running = false;
      await loop;
      return maxDown;
    };
  };

  it('rolls a configuration change through the nodes one at a time with a producer running, never reformatting a volume', async () => {
    const before = await getCluster();
    const metaBefore = await metaProperties();
    expect(Object.keys(metaBefore)).toHaveLength(3);
    const oldPods = new Map((await listPods()).map((p) => [p.metadata.name!, p.metadata.uid]));
    const producer = new NumberedProducer(await bootstrap(), 'orders', 'roll');
    await producer.start();
    await eventually('the producer to get going', async () => producer.acks.length >= 50, 60_000, 100);
    const downtime = watchDowntime([...oldPods.keys()]);
    await client.patch({ ...clusters, name: 'events' }, 'merge', { spec: { config: { 'log.retention.ms': '604800000' } } });
    const after = await readyCluster('every node restarted with the new configuration', 400_000);
    const maxDown = await downtime();
    await producer.stop();
    expect(producer.failures, producer.summary()).toBe(0);
    const newPods = await listPods();
    expect(newPods.every((p) => p.metadata.uid !== oldPods.get(p.metadata.name!))).toBe(true);
    expect(maxDown).toBe(1);
    expect(after.status!.clusterId).toBe(before.status!.clusterId);
    expect(await metaProperties()).toEqual(metaBefore);
    expect(producer.acks.length).toBeGreaterThan(100);
    expect(deliveryProblems(producer, await readAll(await bootstrap(), 'orders'))).toEqual([]);
  }, 600_000);

  it('replaces a node whose volume is lost: the new volume is formatted once, the node rejoins the quorum under its id with a new directory, and no acknowledged write is lost', async () => {
    const claims = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace: ns.name };
    const metaBefore = await metaProperties();
    const lost = 'data-events-broker-2';
    const oldClaim = (await client.get<KubeObject>({ ...claims, name: lost }))!;
    const oldPod = (await listPods()).find((p) => p.metadata.name === 'events-broker-2')!;
    const producer = new NumberedProducer(await bootstrap(), 'orders', 'replace');
    await producer.start();
    await eventually('the producer to get going', async () => producer.acks.length >= 50, 60_000, 100);
    // What losing a node's disk looks like to Kubernetes: its claim and its pod are gone.
    await client.delete({ ...claims, name: lost });
    await client.delete({ ...pods, name: 'events-broker-2' });
    await eventually('a new claim and pod for node 2, Ready', async () => {
      const claim = await client.get<KubeObject>({ ...claims, name: lost });
      const pod = (await listPods()).find((p) => p.metadata.name === 'events-broker-2');
      return claim && claim.metadata.uid !== oldClaim.metadata.uid && pod && pod.metadata.uid !== oldPod.metadata.uid && condition(pod, 'Ready')?.status === 'True';
    }, 240_000, 1000);
    const cluster = await eventually('the quorum to be three voters again and every replica in sync', async () => {
      const c = await getCluster();
      const admin = new ClusterAdmin(await bootstrap());
      try {
        const inSync = (await admin.metadata()).topics.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length));
        return inSync && JSON.stringify(c.status?.quorum?.voters) === JSON.stringify([0, 1, 2]) && condition(c, 'Ready')?.status === 'True' && c;
      } finally {
        await admin.close();
      }
    }, 240_000, 1000);
    await eventually('more writes acknowledged after the replacement', async () => producer.acks.length > 150, 60_000, 200);
    await producer.stop();
    expect(producer.failures, producer.summary()).toBe(0);
    expect(cluster.status!.brokers!.map((b) => b.id)).toEqual([0, 1, 2]);
    const metaAfter = await metaProperties();
    const field = (meta: string, key: string) => meta.split('\n').find((l) => l.startsWith(`${key}=`));
    expect(field(metaAfter[lost]!, 'cluster.id')).toBe(field(metaBefore[lost]!, 'cluster.id'));
    expect(field(metaAfter[lost]!, 'node.id')).toBe('node.id=2');
    expect(field(metaAfter[lost]!, 'directory.id')).not.toBe(field(metaBefore[lost]!, 'directory.id'));
    for (const other of ['data-events-broker-0', 'data-events-broker-1']) expect(metaAfter[other]).toBe(metaBefore[other]);
    // Node 2 becomes a voter again under its new directory (auto-join swaps out its old entry),
    // rather than staying an observer behind a voter entry no process answers for. The leader may
    // still list the old directory among recent observers until it forgets it; nothing else.
    const newDirectory = field(metaAfter[lost]!, 'directory.id')!.split('=')[1];
    const oldDirectory = field(metaBefore[lost]!, 'directory.id')!.split('=')[1];
    let voters: string[] = [];
    let observersOf2: string[] = [];
    await eventually('node 2 to be a voter under its new directory', async () => {
      const replicas = await describeQuorumReplication((await bootstrap())[0]!, '4.4.0');
      voters = replicas.filter((r) => r.status !== 'Observer').map((r) => `${r.nodeId} ${r.directoryId}`).sort();
      observersOf2 = replicas.filter((r) => r.status === 'Observer' && r.nodeId === 2).map((r) => r.directoryId);
      return voters.length === 3 && voters.includes(`2 ${newDirectory}`);
    }, 120_000, 3000).catch(() => undefined);
    expect(voters.map((v) => v.split(' ')[0])).toEqual(['0', '1', '2']);
    expect(voters).toContain(`2 ${newDirectory}`);
    for (const dir of observersOf2) expect(dir).toBe(oldDirectory);
    expect(deliveryProblems(producer, await readAll(await bootstrap(), 'orders'))).toEqual([]);
  }, 600_000);

  it('scales out to four brokers and moves existing partitions onto the new one', async () => {
    await client.patch({ ...clusters, name: 'events' }, 'merge', { spec: { brokers: 4 } });
    const cluster = await readyCluster('broker 3 to join and the partitions to be rebalanced', 300_000);
    expect(cluster.status!.brokers!.map((b) => b.id)).toEqual([0, 1, 2, 3]);
    expect(cluster.status!.quorum!.voters).toEqual([0, 1, 2]);
    const admin = new ClusterAdmin(await bootstrap());
    const metadata = await admin.metadata();
    await admin.close();
    expect(metadata.brokers.map((b) => b.id).sort()).toEqual([0, 1, 2, 3]);
    const onNew = metadata.topics.flatMap((t) => t.partitions.filter((p) => p.replicas.includes(3)));
    expect(onNew.length).toBeGreaterThan(0);
    expect(metadata.topics.find((t) => t.name === 'orders')!.partitions.some((p) => p.replicas.includes(3))).toBe(true);
  }, 400_000);

  it('scales in to three brokers with a producer running: partitions move off, the broker stops and is unregistered, no acknowledged write is lost', async () => {
    const producer = new NumberedProducer(await bootstrap(), 'orders', 'shrink');
    await producer.start();
    await eventually('the producer to get going', async () => producer.acks.length >= 50, 60_000, 100);
    await client.patch({ ...clusters, name: 'events' }, 'merge', { spec: { brokers: 3 } });
    const cluster = await readyCluster('broker 3 to be drained, stopped and unregistered', 300_000);
    await eventually('more writes after the scale-in', async () => producer.acks.length > 150, 60_000, 200);
    await producer.stop();
    expect(producer.failures, producer.summary()).toBe(0);
    expect(cluster.status!.brokers!.map((b) => b.id)).toEqual([0, 1, 2]);
    expect((await listPods()).map((p) => p.metadata.name).sort()).toEqual(['events-broker-0', 'events-broker-1', 'events-broker-2']);
    expect(await client.get({ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace: ns.name, name: 'data-events-broker-3' })).toBeUndefined();
    const admin = new ClusterAdmin(await bootstrap());
    const metadata = await admin.metadata();
    const unregistered = await admin.unregister(3).then(() => undefined, (err: unknown) => err);
    await admin.close();
    expect(metadata.topics.every((t) => t.partitions.every((p) => !p.replicas.includes(3)))).toBe(true);
    expect(unregistered).toBeInstanceOf(KafkaApiError);
    expect((unregistered as KafkaApiError).code).toBe(102); // BROKER_ID_NOT_REGISTERED
    expect(deliveryProblems(producer, await readAll(await bootstrap(), 'orders'))).toEqual([]);
  }, 400_000);

  it('deleting the KafkaCluster leaves nothing of it behind', async () => {
    await client.delete({ ...topics, name: 'orders' });
    await client.delete({ ...clusters, name: 'events' });
    for (const resource of ['pods', 'persistentvolumeclaims', 'services', 'configmaps']) {
      await eventually(`every ${resource} of the cluster to be deleted`, async () => (await client.list({ group: '', version: 'v1', resource, namespace: ns.name }, { labelSelector: selector })).items.length === 0, 120_000, 1000);
    }
    await eventually('no broker process left', async () => {
      const { stdout } = await run('pgrep', ['-f', `kafka.Kafka /etc/kafka/capstan/server.properties`]).catch(() => ({ stdout: '' }));
      const cmdline = (pid: string) => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return ''; } };
      const mine = stdout.trim().split('\n').filter(Boolean).filter((pid) => cmdline(pid).includes(`.${ns.name}.svc`));
      return mine.length === 0;
    }, 90_000, 1000);
  }, 240_000);

});
