import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kafkaDir, kafkaRuntime } from '../../../../src/devcluster/index.js';
import { programClasses } from '../../../../src/devcluster/apps/kafka-image.js';
import type { KubeObject } from '../../../../src/k8s/index.js';
import { kafkaUuid } from '../../../../apps/kafka/uuid.js';
import { eventually, useNamespace } from '../../harness.js';

const run = promisify(execFile);
type Pod = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { state?: { waiting?: { reason?: string; message?: string }; running?: unknown } }[] } };
type Event = KubeObject & { reason?: string; message?: string; type?: string; involvedObject?: { name?: string } };

/** The `apache/kafka` image on the local node: a manifest written for the real image (its env convention, its default command) runs a real broker. */
describe('apache/kafka images on the local node', () => {
  const ns = useNamespace('kafka-image');
  const pods = { group: '', version: 'v1', resource: 'pods', namespace: ns.name };

  beforeAll(async () => {
    await kafkaRuntime.ensure('4.4.0', (line) => process.stderr.write(`[kafka] ${line}\n`));
  }, 120_000);

  it('finds the main class of every program the image maps in the assembled jars', async () => {
    const classes = Object.values(programClasses).map((p) => p.mainClass);
    // javap fails on the first class it cannot load; one JVM checks them all.
    const { stdout } = await run('javap', ['-cp', path.join(kafkaDir('4.4.0'), 'lib', '*'), ...classes]);
    for (const name of classes) expect(stdout).toContain(`class ${name} `);
  });

  it('runs a single-node KRaft broker configured only through KAFKA_* variables, with KAFKA_HEAP_OPTS and KAFKA_OPTS as JVM flags', async () => {
    await ns.client.create(pods, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', namespace: ns.name },
      spec: {
        terminationGracePeriodSeconds: 30,
        containers: [{
          name: 'kafka', image: 'apache/kafka:4.4.0',
          env: [
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'CLUSTER_ID', value: kafkaUuid() },
            { name: 'KAFKA_NODE_ID', value: '1' },
            { name: 'KAFKA_PROCESS_ROLES', value: 'broker,controller' },
            { name: 'KAFKA_LISTENERS', value: 'PLAINTEXT://:9092,CONTROLLER://:9093' },
            { name: 'KAFKA_ADVERTISED_LISTENERS', value: 'PLAINTEXT://$(POD_IP):9092' },
            { name: 'KAFKA_CONTROLLER_LISTENER_NAMES', value: 'CONTROLLER' },
            { name: 'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP', value: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT' },
            { name: 'KAFKA_CONTROLLER_QUORUM_VOTERS', value: '1@localhost:9093' },
            { name: 'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', value: '1' },
            { name: 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', value: '1' },
            { name: 'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR', value: '1' },
            { name: 'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR', value: '1' },
            { name: 'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR', value: '1' },
            { name: 'KAFKA_LOG_DIRS', value: '/var/lib/kafka/data' },
            { name: 'KAFKA_HEAP_OPTS', value: '-Xms256m -Xmx256m' },
            { name: 'KAFKA_OPTS', value: `-Dcapstan.e2e=${ns.name}` },
          ],
          readinessProbe: { tcpSocket: { port: 9092 }, periodSeconds: 2 },
          volumeMounts: [{ name: 'data', mountPath: '/var/lib/kafka/data' }],
        }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    });
    const pod = await eventually('the broker pod to be Ready', async () => {
      const p = await ns.client.get<Pod>({ ...pods, name: 'solo' });
      return p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && p;
    }, 180_000, 1000);

    const { stdout } = await run('pgrep', ['-f', '--', `-Dcapstan.e2e=${ns.name}`]);
    const [pid] = stdout.trim().split('\n');
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toEqual(expect.arrayContaining(['-Xms256m', '-Xmx256m', `-Dcapstan.e2e=${ns.name}`, 'kafka.Kafka']));

    const kafka = new kafkajs.Kafka({ clientId: 'e2e-image', brokers: [`${pod.status!.podIP}:9092`], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'hello', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers.map((b) => b.nodeId)).toEqual([1]);
    const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    const [ack] = await producer.send({ topic: 'hello', acks: -1, messages: [{ value: 'from the image env convention' }] });
    await producer.disconnect();
    expect(ack!.baseOffset).toBe('0');
  }, 240_000);

  it('leaves a pod whose tag names no built version waiting with an ImageNotBuilt event, never running another version', async () => {
    const built = await kafkaRuntime.isBuilt('4.0.0');
    expect(built).toBe(false); // the test needs a version the cache does not hold
    await ns.client.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbuilt', namespace: ns.name }, spec: { containers: [{ name: 'kafka', image: 'apache/kafka:4.0.0' }] } });
    const event = await eventually('an ImageNotBuilt event', async () => {
      const events = await ns.client.list<Event>({ group: '', version: 'v1', resource: 'events', namespace: ns.name });
      return events.items.find((e) => e.reason === 'ImageNotBuilt' && e.involvedObject?.name === 'unbuilt');
    }, 60_000, 500);
    expect(event.type).toBe('Warning');
    expect(event.message).toMatch(/needs kafka 4\.0\.0, which is not built on this machine \(built here: [0-9., ]*4\.4\.0/);
    expect(event.message).toContain('capstan dev build --image apache/kafka:4.0.0');
    const pod = await ns.client.get<Pod>({ ...pods, name: 'unbuilt' });
    expect(pod!.status!.containerStatuses![0]!.state!.waiting!.reason).toBe('ErrImageNeverPull');
    expect(pod!.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
  }, 120_000);
});
