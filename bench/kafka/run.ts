/**
 * Benchmark of the `kafka` operator on the local cluster, each run on a fresh three-broker
 * KafkaCluster (Kafka 4.4.0, 256 MiB heaps): creation → Ready, producer throughput (acks=all,
 * 1 KiB records) through the operated brokers beside three brokers started by hand with the same
 * properties and JVM flags in the same run, scale-out 3 → 4 through the rebalance, and RSS of each
 * broker and of the operator. Prints a markdown table for bench/kafka/README.md.
 *
 * Usage: npm run build && npx tsx bench/kafka/run.ts [--runs 3]
 * The cluster is the one CAPSTAN_KUBECONFIG points at, else the local dev cluster.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { kafkaRuntime } from '../../src/devcluster/index.js';
import { KubeClient, loadKubeConfig, type KubeObject } from '../../src/k8s/index.js';
import { median, rssMiB, seconds } from '../lib.js';
import { installCrds, OperatorProcess } from '../../test/e2e/apps/kafka/operator.js';
import { startHandCluster } from './hand-cluster.js';
import { produceThroughput } from './throughput.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);
const kubeconfig = process.env.CAPSTAN_KUBECONFIG ?? path.join(os.homedir(), '.local/state/capstan/dev/kubeconfig');
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Cluster = KubeObject & { metadata: { generation?: number }; status?: { bootstrap?: string; observedGeneration?: number; conditions?: { type: string; status: string; observedGeneration?: number }[] } };

async function waitReady(namespace: string, timeoutMs: number): Promise<Cluster> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await client.get<Cluster>({ group: 'kafka.capstan.dev', version: 'v1alpha1', resource: 'kafkaclusters', namespace, name: 'bench' });
    const ready = c?.status?.conditions?.find((x) => x.type === 'Ready');
    if (c && ready?.status === 'True' && ready.observedGeneration === c.metadata.generation) return c;
    if (Date.now() > deadline) throw new Error(`KafkaCluster ${namespace}/bench not Ready within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** The broker JVMs of pods in `namespace`, found by the pod DNS names in their command lines. */
function brokerPids(namespace: string): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-f', 'kafka.Kafka /etc/kafka/capstan/server.properties'], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return out.trim().split('\n').map(Number).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`.${namespace}.svc`);
    } catch {
      return false;
    }
  });
}

interface RunResult { createMs: number; operatedRps: number; handRps: number; scaleOutMs: number; brokerRss: number[]; operatorRss: number }

async function oneRun(i: number): Promise<RunResult> {
  const namespace = `kafka-bench-${randomBytes(3).toString('hex')}`;
  const clusters = { group: 'kafka.capstan.dev', version: 'v1alpha1', resource: 'kafkaclusters', namespace };
  await client.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-kafka-bench-'));
  const operator = new OperatorProcess(kubeconfig, namespace, path.join(logDir, 'operator.log'));
  operator.start();
  try {
    const started = Date.now();
    await client.create(clusters, { apiVersion: 'kafka.capstan.dev/v1alpha1', kind: 'KafkaCluster', metadata: { name: 'bench', namespace }, spec: { brokers: 3, resources: { heap: '256m' } } });
    const ready = await waitReady(namespace, 400_000);
    const createMs = Date.now() - started;
    log(`run ${i}: Ready in ${seconds(createMs)}`);
    // Both clusters run while either is measured, each idle while the other is, and the order
    // alternates between runs, so neither side gets the machine to itself or the second turn.
    const hand = await startHandCluster(path.join(logDir, 'hand'), '4.4.0', '256m');
    let operatedRps = 0;
    let handRps = 0;
    try {
      const operated = async () => (operatedRps = await produceThroughput(ready.status!.bootstrap!.split(','), 'throughput'));
      const byHand = async () => (handRps = await produceThroughput(hand.bootstrap, 'throughput'));
      for (const measure of i % 2 === 1 ? [operated, byHand] : [byHand, operated]) await measure();
    } finally {
      await hand.stop();
    }
    log(`run ${i}: operated ${operatedRps.toFixed(0)} records/s, by hand ${handRps.toFixed(0)} records/s`);
    // After the load, when the brokers' heaps and page caches are in use.
    const brokerRss = brokerPids(namespace).map(rssMiB);
    const operatorRss = rssMiB(operator.pid!);

    const scaleStarted = Date.now();
    await client.patch({ ...clusters, name: 'bench' }, 'merge', { spec: { brokers: 4 } });
    await waitReady(namespace, 400_000);
    const scaleOutMs = Date.now() - scaleStarted;
    log(`run ${i}: scale-out in ${seconds(scaleOutMs)}`);
    return { createMs, operatedRps, handRps, scaleOutMs, brokerRss, operatorRss };
  } finally {
    await operator.stop();
    await client.delete({ group: '', version: 'v1', resource: 'namespaces', name: namespace });
    fs.rmSync(logDir, { recursive: true, force: true });
    // Let the namespace's brokers stop before the next run measures anything.
    for (let t = 0; t < 120 && brokerPids(namespace).length > 0; t++) await sleep(1000);
  }
}

await kafkaRuntime.ensure('4.4.0', log);
await installCrds(client);
const results: RunResult[] = [];
for (let i = 1; i <= RUNS; i++) {
  const r = await oneRun(i);
  results.push(r);
  log(`run ${i}: broker RSS ${r.brokerRss.map((m) => m.toFixed(0)).join(', ')} MiB, operator ${r.operatorRss.toFixed(0)} MiB`);
}
client.close();

const all = (f: (r: RunResult) => number, fmt: (n: number) => string) => `${fmt(median(results.map(f)))} | ${results.map((r) => fmt(f(r))).join(', ')}`;
const rps = (n: number) => `${Math.round(n)} rec/s`;
const mib = (n: number) => `${Math.round(n)} MiB`;
console.log(`runs: ${RUNS}, machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}, load average at the end ${os.loadavg()[0]!.toFixed(1)}\n`);
console.log('| measurement | median | all runs |');
console.log('|---|---|---|');
console.log(`| KafkaCluster created → Ready (3 combined brokers) | ${all((r) => r.createMs, seconds)} |`);
console.log(`| scale-out 3 → 4 → Ready (broker registered, partitions rebalanced) | ${all((r) => r.scaleOutMs, seconds)} |`);
console.log(`| producer throughput, operated brokers (acks=all, 1 KiB, RF 3) | ${all((r) => r.operatedRps, rps)} |`);
console.log(`| producer throughput, same brokers started by hand | ${all((r) => r.handRps, rps)} |`);
console.log(`| operated ÷ by hand | ${all((r) => r.operatedRps / r.handRps, (n) => n.toFixed(2))} |`);
console.log(`| RSS per broker (256 MiB heap) | ${all((r) => median(r.brokerRss), mib)} |`);
console.log(`| RSS of the operator | ${all((r) => r.operatorRss, mib)} |`);
