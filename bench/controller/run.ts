/**
 * Benchmark of the operator runtime with the sample ConfigMapMirror operator on the local cluster:
 * 1000 mirrors, 3 targets each (3000 children). Measures start → all reconciled, spec change →
 * child applied (p50/p99), RSS with everything cached, and API requests per minute at idle, each
 * beside a reference measured in the same run (kubectl applying the same children; a bare PATCH
 * seen through a watch). Prints a markdown table for bench/controller/README.md.
 *
 * Usage: npx tsx bench/controller/run.ts [--mirrors 1000] [--runs 3] [--samples 200] [--idle-seconds 60]
 * The cluster is the one CAPSTAN_KUBECONFIG points at, else the local dev cluster.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { KubeClient, loadKubeConfig, resourcePath, type KubeObject } from '../../src/k8s/index.js';
import { Informer, Kinds, listWatchOf, refOf } from '../../src/controller/index.js';
import { COPY_LABEL, installMirrorCrd, mirror, MirrorKind, RUN_LABEL, type Mirror } from '../../test/e2e/controller/mirror.js';

const { values } = parseArgs({ options: { mirrors: { type: 'string', default: '1000' }, runs: { type: 'string', default: '3' }, samples: { type: 'string', default: '200' }, 'idle-seconds': { type: 'string', default: '60' }, concurrency: { type: 'string', default: '10' } } });
const N = Number(values.mirrors);
const RUNS = Number(values.runs);
const SAMPLES = Number(values.samples);
const IDLE_S = Number(values['idle-seconds']);
const kubeconfig = process.env.CAPSTAN_KUBECONFIG ?? join(homedir(), '.local/state/capstan/dev/kubeconfig');
const kubectl = findKubectl();
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const run = `b${randomBytes(3).toString('hex')}`;
const src = `ctrl-bench-${run}-src`;
const targets = [1, 2, 3].map((i) => `ctrl-bench-${run}-t${i}`);
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type CM = KubeObject & { data?: Record<string, string> };

function findKubectl(): string | undefined {
  const root = join(homedir(), '.cache/capstan/bin');
  try {
    for (const d of readdirSync(root)) if (readdirSync(join(root, d)).includes('kubectl')) return join(root, d, 'kubectl');
  } catch {
    // no local cluster binaries
  }
  return undefined;
}

const median = (xs: number[]): number => percentile(xs, 50);
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function deleteCopies(copies: Informer<CM>): Promise<void> {
  for (const ns of targets) {
    await client.request({ method: 'DELETE', path: resourcePath(refOf(Kinds.ConfigMap, ns)), query: { labelSelector: COPY_LABEL } });
  }
  await until(() => countCopies(copies) === 0, 120_000, 'copies deleted');
}

function countCopies(copies: Informer<CM>): number {
  return targets.reduce((n, ns) => n + copies.store.list({ namespace: ns }).length, 0);
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Report { at: number; startedAt: number; leader: boolean; synced: boolean; port: number; counts: Record<string, number>; rss: number }

function startOperator(js: string): { proc: ChildProcess; reports: Report[]; spawnedAt: number } {
  const reports: Report[] = [];
  const spawnedAt = Date.now();
  const proc = spawn(process.execPath, [js, kubeconfig, run, src, values.concurrency!], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: proc.stdout! }).on('line', (l) => reports.push(JSON.parse(l) as Report));
  return { proc, reports, spawnedAt };
}

async function stopOperator(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

function allReady(mirrors: Informer<Mirror>): boolean {
  const list = mirrors.store.list();
  return list.length === N && list.every((m) => m.status?.observedGeneration === m.metadata.generation && m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

function childrenYaml(): string {
  const docs: string[] = [];
  for (let i = 0; i < N; i++) for (const ns of targets) docs.push(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `src-${i}`, namespace: ns, labels: { [COPY_LABEL]: 'kubectl' } }, data: { i: String(i) } }));
  return docs.join('\n---\n');
}

async function main(): Promise<void> {
  log(`compiling the operator`);
  const out = mkdtempSync(join(tmpdir(), 'capstan-bench-controller-'));
  try {
    execFileSync(join('node_modules', '.bin', 'tsc'), ['bench/controller/operator.ts', '--outDir', out, '--rootDir', '.', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2023', '--strict', '--types', 'node', '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule'], { stdio: 'inherit' });
  } catch {
    log('tsc reported errors (emitting anyway)');
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  symlinkSync(resolve('node_modules'), join(out, 'node_modules'));
  const operatorJs = join(out, 'bench/controller/operator.js');

  log(`setting up ${N} mirrors (run ${run})`);
  await installMirrorCrd(client);
  for (const ns of [src, ...targets]) await client.create(refOf(Kinds.Namespace), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const idx = Array.from({ length: N }, (_, i) => i);
  await pool(idx, 32, (i) => client.create(refOf(Kinds.ConfigMap, src), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `src-${i}` }, data: { i: String(i) } }));
  await pool(idx, 32, (i) => client.create(refOf(MirrorKind), mirror(`ctrl-bench-${run}-${i}`, run, { source: { namespace: src, name: `src-${i}` }, targets })));

  const mirrors = new Informer<Mirror>(listWatchOf(client, MirrorKind, { labelSelector: `${RUN_LABEL}=${run}` }));
  const copies = new Informer<CM>(listWatchOf(client, Kinds.ConfigMap, { labelSelector: COPY_LABEL }));
  mirrors.start();
  copies.start();
  await mirrors.waitForSync();
  await copies.waitForSync();

  const startToAll: number[] = [];
  const startToAllFromManager: number[] = [];
  const kubectlApply: number[] = [];
  const yamlFile = join(out, 'children.yaml');
  writeFileSync(yamlFile, childrenYaml());
  let operator: ReturnType<typeof startOperator> | undefined;
  onFailure = async () => {
    operator?.proc.kill('SIGKILL');
    const left = await client.list(refOf(MirrorKind), { labelSelector: `${RUN_LABEL}=${run}` });
    await pool(left.items, 16, (m) => client.patch(refOf(MirrorKind, undefined, m.metadata.name), 'merge', { metadata: { finalizers: null } }).catch(() => undefined));
    await client.request({ method: 'DELETE', path: resourcePath(refOf(MirrorKind)), query: { labelSelector: `${RUN_LABEL}=${run}` } });
    for (const ns of [src, ...targets]) await client.delete(refOf(Kinds.Namespace, undefined, ns));
  };
  for (let r = 0; r < RUNS; r++) {
    if (kubectl) {
      await deleteCopies(copies);
      const t = performance.now();
      execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager', 'bench-kubectl', '-f', yamlFile], { stdio: 'ignore' });
      kubectlApply.push(performance.now() - t);
      log(`run ${r + 1}: kubectl apply --server-side of ${3 * N} ConfigMaps: ${Math.round(kubectlApply[r]!)} ms`);
    }
    await deleteCopies(copies);
    operator = startOperator(operatorJs);
    await until(() => countCopies(copies) === 3 * N && allReady(mirrors), 600_000, 'all mirrors reconciled');
    const done = Date.now();
    startToAll.push(done - operator.spawnedAt);
    startToAllFromManager.push(done - (operator.reports[0]?.startedAt ?? operator.spawnedAt));
    log(`run ${r + 1}: operator process start → ${N} mirrors reconciled (${3 * N} children, all Ready): ${startToAll[r]} ms`);
    if (r < RUNS - 1) await stopOperator(operator.proc);
  }
  const op = operator!;

  log(`measuring spec change → child applied (${SAMPLES} samples)`);
  const latency: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    const i = Math.floor(Math.random() * N);
    const stamp = `s${k}`;
    const t = performance.now();
    await client.patch(refOf(MirrorKind, undefined, `ctrl-bench-${run}-${i}`), 'merge', { spec: { data: { stamp } } });
    await until(() => copies.store.getByName(targets[0], `src-${i}`)?.data?.stamp === stamp, 30_000, `child of mirror ${i}`);
    latency.push(performance.now() - t);
    await sleep(20);
  }
  log('measuring the floor: a bare PATCH seen through a watch');
  await client.create(refOf(Kinds.ConfigMap, src), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'floor' }, data: {} });
  const floorInf = new Informer<CM>(listWatchOf(client, Kinds.ConfigMap, { namespace: src, fieldSelector: 'metadata.name=floor' }));
  floorInf.start();
  await floorInf.waitForSync();
  const floor: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    const t = performance.now();
    await client.patch(refOf(Kinds.ConfigMap, src, 'floor'), 'merge', { data: { stamp: `f${k}` } });
    await until(() => floorInf.store.getByName(src, 'floor')?.data?.stamp === `f${k}`, 30_000, 'floor change');
    floor.push(performance.now() - t);
    await sleep(20);
  }
  await floorInf.stop();
  const kubectlPatch: number[] = [];
  if (kubectl) {
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      execFileSync(kubectl, ['--kubeconfig', kubeconfig, '-n', src, 'patch', 'configmap', 'floor', '--type', 'merge', '-p', JSON.stringify({ data: { stamp: `k${k}` } })], { stdio: 'ignore' });
      kubectlPatch.push(performance.now() - t);
    }
  }

  log(`measuring idle traffic over ${IDLE_S} s`);
  await sleep(5000);
  const before = { ...op.reports[op.reports.length - 1]!.counts };
  const idleStart = Date.now();
  await sleep(IDLE_S * 1000);
  const last = op.reports[op.reports.length - 1]!;
  const minutes = (Date.now() - idleStart) / 60_000;
  const idle: Record<string, number> = {};
  for (const [k, v] of Object.entries(last.counts)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) idle[k] = Math.round((d / minutes) * 10) / 10;
  }
  const rssMb = last.rss / 1024 / 1024;
  const metrics = await (await fetch(`http://127.0.0.1:${last.port}/metrics`)).text();

  log('cleaning up');
  await pool(idx, 32, (i) => client.delete(refOf(MirrorKind, undefined, `ctrl-bench-${run}-${i}`)));
  await until(() => mirrors.store.size === 0, 300_000, 'mirrors finalized and gone');
  await stopOperator(op.proc);
  await mirrors.stop();
  await copies.stop();
  for (const ns of [src, ...targets]) await client.delete(refOf(Kinds.Namespace, undefined, ns));
  client.close();

  const f = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
  const reconcileTotal = metrics.split('\n').filter((l) => l.startsWith('controller_runtime_reconcile_total{')).join('; ');
  const table = [
    `| measure (${N} mirrors, ${3 * N} children, ${values.concurrency} workers) | Capstan operator | reference, same run | target |`,
    '|---|---|---|---|',
    `| start → all reconciled (median of ${RUNS}; process spawn included) | ${f(median(startToAll))} (runs: ${startToAll.map(f).join(', ')}; from manager start: ${f(median(startToAllFromManager))}) | \`kubectl apply --server-side\` of the same ${3 * N} children: ${kubectl ? f(median(kubectlApply)) : 'n/a'} | — |`,
    `| spec change → child applied, p50 / p99 (${SAMPLES} changes) | ${f(percentile(latency, 50))} / ${f(percentile(latency, 99))} | a bare PATCH seen through a watch: ${f(percentile(floor, 50))} / ${f(percentile(floor, 99))}; \`kubectl patch\` wall time: ${kubectl ? f(median(kubectlPatch)) : 'n/a'} | p50 ≤ 50 ms |`,
    `| RSS with ${N} mirrors + ${N} sources + ${3 * N} children cached | ${rssMb.toFixed(0)} MB | — | ≤ 150 MB |`,
    `| API requests per minute at idle (${IDLE_S} s, counted in the client) | ${Object.entries(idle).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'} | — | only watches and lease renewals |`,
  ].join('\n');
  process.stdout.write(`${table}\n\n${reconcileTotal}\n`);
}

/** Best-effort removal of this run's objects when the benchmark fails half-way. */
let onFailure: (() => Promise<void>) | undefined;

main().catch(async (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  await onFailure?.().catch((e: unknown) => log(`cleanup failed: ${String(e)}`));
  process.exit(1);
});
