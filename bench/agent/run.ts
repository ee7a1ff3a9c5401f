/**
 * Sync agent benchmark. The agent runs as `capstan agent` does out of the cluster (the compiled CLI,
 * its own process, so its RSS and its API requests are its own), against a real cluster and a
 * local git server over smart HTTP with basic auth. Beside it, in the same run: the apply engine
 * (`capstan apply`'s sync, in this process) and `kubectl apply --server-side` of the same sets.
 *
 *   npm run build && npx tsx bench/agent/run.ts [--runs 9] [--big-runs 3] [--poll-runs 5] [--default-runs 3]
 *     [--first-runs 3] [--objects 1000] [--change 10] [--idle 120] [--agent-log FILE] [--kubeconfig FILE] [--kubectl PATH]
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hmacSha256 } from '../../src/agent/index.js';
import { ConfigMapInventory, parseManifests, ResourceManager } from '../../src/apply/index.js';
import { SyncType } from '../../src/constructs/schema/index.js';
import { GitServer } from '../../src/devcluster/git-server.js';
import { KubeClient, loadKubeConfig, type KubeObject } from '../../src/k8s/index.js';
import { findKubectl, median, percentile } from '../lib.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg('runs', '9'));
const bigRuns = Number(arg('big-runs', '3'));
const pollRuns = Number(arg('poll-runs', '5'));
const defaultRuns = Number(arg('default-runs', '3'));
const firstRuns = Number(arg('first-runs', '3'));
const driftRuns = Number(arg('drift-runs', '9'));
const objects = Number(arg('objects', '1000'));
const change = Number(arg('change', '10'));
const idleSeconds = Number(arg('idle', '120'));
const kubeconfig = arg('kubeconfig', process.env['CAPSTAN_KUBECONFIG'] ?? '/root/.local/state/capstan/dev/kubeconfig');
const kubectl = arg('kubectl', findKubectl());
const cli = join(repo, 'lib/src/cli/main.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (the agent runs compiled, as in its image)`);

const id = randomBytes(3).toString('hex');
const root = mkdtempSync(join(tmpdir(), 'capstan-bench-agent-'));
const work = join(root, 'work');
const password = randomBytes(12).toString('hex');
const token = randomBytes(12).toString('hex');
const admin = new KubeClient(loadKubeConfig({ kubeconfig }));
const namespaces: string[] = [];
const git = async (...args: string[]) => (await promisify(execFile)('git', ['-C', work, ...args])).stdout.trim();
const ms = (v: number) => `${Math.round(v)} ms`;
const sleep = (millis: number) => new Promise((r) => setTimeout(r, millis));
const syncRef = (namespace: string, name?: string) => ({ group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace, name });

/** `count` ConfigMaps; `version(i)` is the data of the i-th. */
function configMaps(count: number, version: (i: number) => number, prefix = 'cm'): string {
  return Array.from({ length: count }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\ndata:\n  v: "${version(i)}"\n`).join('---\n');
}

/** Commits `files` (path under the work tree → text), pushes to the git server, returns the commit. */
async function commit(files: Record<string, string>, message: string): Promise<string> {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, file)), { recursive: true });
    writeFileSync(join(work, file), text);
  }
  await git('add', '-A');
  await git('-c', 'user.name=bench', '-c', 'user.email=bench@capstan.dev', 'commit', '-q', '-m', message);
  await git('push', '-q', `http://capstan:${password}@127.0.0.1:${gitPort}/app.git`, 'HEAD:main');
  return git('rev-parse', 'HEAD');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function namespace(name: string): Promise<string> {
  await admin.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  namespaces.push(name);
  const secrets = { group: '', version: 'v1', resource: 'secrets', namespace: name };
  await admin.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'capstan', password } });
  await admin.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook' }, stringData: { token } });
  return name;
}

async function createSync(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await admin.create(syncRef(ns), {
    apiVersion: SyncType.apiVersion, kind: 'Sync', metadata: { name, namespace: ns },
    spec: { url: `http://127.0.0.1:${gitPort}/app.git`, secretRef: { name: 'git' }, webhook: { secretRef: { name: 'hook' } }, ...spec },
  });
}

/** Milliseconds from `started` until Sync `ns/name` reports `sha` applied. */
async function appliedSince(ns: string, name: string, sha: string, started: number): Promise<number> {
  for (;;) {
    const sync = await admin.get<KubeObject & { status?: { lastAppliedRevision?: string } }>(syncRef(ns, name));
    if (sync?.status?.lastAppliedRevision === sha) return performance.now() - started;
    if (performance.now() - started > 300_000) throw new Error(`Sync ${ns}/${name}: commit ${sha} not applied within 5 minutes; agent log: ${agentLog}`);
    await sleep(20);
  }
}

/** Delivers a signed generic push webhook for the Sync. */
async function webhook(ns: string, name: string, sha: string): Promise<void> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
  const res = await fetch(`http://127.0.0.1:${webhookPort}/hooks/${ns}/${name}`, { method: 'POST', body, headers: { 'X-Capstan-Signature': `sha256=${hmacSha256(token, body)}` } });
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
}

/** The agent's API requests so far, from its /metrics: all but watches and the leader Lease, those that write, and the Lease's. */
async function agentRequests(): Promise<{ requests: number; writes: number; lease: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let requests = 0;
  let writes = 0;
  let lease = 0;
  for (const match of text.matchAll(/^rest_client_requests_total\{method="([A-Z]+)",resource="([^"]*)"\} (\d+)/gm)) {
    const [, method, resource, value] = match;
    if (method === 'WATCH') continue;
    if (resource === 'leases') {
      lease += Number(value);
      continue;
    }
    requests += Number(value);
    if (method !== 'GET') writes += Number(value);
  }
  return { requests, writes, lease };
}

function agentMemory(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${agent.pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

function kubectlApply(file: string, ns: string): number {
  const started = performance.now();
  const r = spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager', 'bench-kubectl', '-n', ns, '-f', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
  return performance.now() - started;
}

/** The apply engine's sync of `text` into `ns` with its ConfigMap inventory, as `capstan apply --prune --wait` runs it. */
async function engineSync(text: string, ns: string): Promise<number> {
  const started = performance.now();
  await new ResourceManager(admin, { defaultNamespace: ns }).sync(parseManifests(text, 'set.yaml'), new ConfigMapInventory(admin, 'bench', ns), { prune: true, wait: true });
  return performance.now() - started;
}

const server = new GitServer({ root: join(root, 'repos'), username: 'capstan', password });
const gitPort = await server.listen(0, '127.0.0.1');
await server.createRepository('app');
mkdirSync(work, { recursive: true });
await git('init', '-q', '-b', 'main');
await admin.apply({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: SyncType.crdName }, SyncType.crd as unknown as KubeObject, { fieldManager: 'capstan', force: true });

const metricsPort = await freePort();
const webhookPort = await freePort();
const agentLog = arg('agent-log', join(root, 'agent.log'));
const agent = spawn(process.execPath, [cli, 'agent', '--kubeconfig', kubeconfig, '--port', String(metricsPort), '--webhook-port', String(webhookPort), '--cache-dir', join(root, 'cache')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  // Leader election on, as the Deployment runs it: its Lease traffic is counted apart.
  env: { ...process.env, CAPSTAN_LEADER_ELECTION: 'true', NODE_OPTIONS: arg('agent-node-options', '') },
});
const log = createWriteStream(agentLog);
agent.stdout.pipe(log);
agent.stderr.pipe(log);
for (let i = 0; ; i++) {
  if (await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.ok, () => false)) break;
  if (i > 300 || agent.exitCode !== null) throw new Error(`the agent did not start; see ${agentLog}`);
  await sleep(100);
}

const rows: string[] = [];
const row = (...cells: string[]) => rows.push(`| ${cells.join(' | ')} |`);
try {
  // Idle first, while the agent holds only these: 10 Syncs of objects/10 ConfigMaps each, at the default interval.
  const idleFiles: Record<string, string> = {};
  for (let s = 0; s < 10; s++) idleFiles[`idle/${s}/set.yaml`] = configMaps(objects / 10, () => 0, `idle-${s}`);
  let sha = await commit(idleFiles, 'idle sets');
  const idleNs = await namespace(`bench-idle-${id}`);
  for (let s = 0; s < 10; s++) await createSync(idleNs, `idle-${s}`, { path: `idle/${s}` });
  for (let s = 0; s < 10; s++) await appliedSince(idleNs, `idle-${s}`, sha, performance.now());
  await sleep(5000);
  const before = await agentRequests();
  await sleep(idleSeconds * 1000);
  const after = await agentRequests();
  const perMinute = (n: number) => ((n * 60) / idleSeconds).toFixed(1);
  const idleMemory = agentMemory();

  // First sync of the whole set: agent (Sync created after the commit), apply engine, kubectl.
  sha = await commit({ 'first/set.yaml': configMaps(objects, () => 0) }, 'first');
  const first = { agent: [] as number[], engine: [] as number[], kubectl: [] as number[] };
  for (let r = 0; r < firstRuns; r++) {
    const ns = await namespace(`bench-first-${id}-${r}`);
    const started = performance.now();
    await createSync(ns, 'first', { path: 'first', interval: '1h' });
    first.agent.push(await appliedSince(ns, 'first', sha, started));
    first.engine.push(await engineSync(configMaps(objects, () => 0), await namespace(`bench-engine-${id}-${r}`)));
    const file = join(root, 'first.yaml');
    writeFileSync(file, configMaps(objects, () => 0));
    first.kubectl.push(kubectlApply(file, await namespace(`bench-kubectl-${id}-${r}`)));
  }

  // Changes: the agent by webhook, then by polling; the engine and kubectl re-apply the changed set.
  const pushNs = await namespace(`bench-push-${id}`);
  const engineNs = await namespace(`bench-engine-${id}`);
  const kubectlNs = await namespace(`bench-kubectl-${id}`);
  sha = await commit({ 'push/set.yaml': configMaps(objects, () => 0) }, 'push: first');
  await createSync(pushNs, 'push', { path: 'push', interval: '1h' });
  await appliedSince(pushNs, 'push', sha, performance.now());
  await engineSync(configMaps(objects, () => 0), engineNs);
  const kubectlFile = join(root, 'change.yaml');
  writeFileSync(kubectlFile, configMaps(objects, () => 0));
  kubectlApply(kubectlFile, kubectlNs);
  let version = 0;
  // What each object holds now, so a change of `count` objects changes exactly those and no others.
  const held: number[] = Array.from({ length: objects }, () => 0);
  const changes = async (count: number, n: number, deliver: 'webhook' | 'poll') => {
    const out = { agent: [] as number[], engine: [] as number[], kubectl: [] as number[] };
    for (let r = 0; r < n; r++) {
      version++;
      for (let i = 0; i < count; i++) held[i] = version;
      const text = configMaps(objects, (i) => held[i]!);
      const commitSha = await commit({ 'push/set.yaml': text }, `change ${version}`);
      const started = performance.now();
      if (deliver === 'webhook') await webhook(pushNs, 'push', commitSha);
      out.agent.push(await appliedSince(pushNs, 'push', commitSha, started));
      out.engine.push(await engineSync(text, engineNs));
      writeFileSync(kubectlFile, text);
      out.kubectl.push(kubectlApply(kubectlFile, kubectlNs));
    }
    return out;
  };
  const small = await changes(change, runs, 'webhook');
  const big = await changes(objects, bigRuns, 'webhook');
  await admin.patch(syncRef(pushNs, 'push'), 'merge', { spec: { interval: '5s' } });
  await sleep(6000);
  const poll5 = await changes(change, pollRuns, 'poll');
  await admin.patch(syncRef(pushNs, 'push'), 'merge', { spec: { interval: null } });
  await sleep(2000);
  const pollDefault = await changes(change, defaultRuns, 'poll');

  // Drift: another field manager edits a managed field (as `kubectl edit` does); timed to the agent's revert.
  const drift: number[] = [];
  for (let r = 0; r < driftRuns; r++) {
    const ref = { group: '', version: 'v1', resource: 'configmaps', namespace: pushNs, name: `cm-${r}` };
    const want = String(held[r]);
    const started = performance.now();
    await admin.patch(ref, 'merge', { data: { v: `edited-${r}` } }, { fieldManager: 'kubectl-edit' });
    for (;;) {
      const cm = await admin.get<KubeObject & { data?: Record<string, string> }>(ref);
      if (cm?.data?.['v'] === want) break;
      if (performance.now() - started > 120_000) throw new Error(`ConfigMap ${pushNs}/cm-${r}: edit not reverted within 2 minutes; agent log: ${agentLog}`);
      await sleep(20);
    }
    drift.push(performance.now() - started);
  }
  const end = agentMemory();

  const cells = (xs: number[]) => `${ms(median(xs))} (p95 ${ms(percentile(xs, 95))})`;
  row('measure', 'agent', '`capstan apply` (engine)', '`kubectl apply --server-side`', 'target');
  row('---', '---', '---', '---', '---');
  row(`webhook push → applied, ${change}-object change, median (p95), ${runs} runs`, cells(small.agent), cells(small.engine), cells(small.kubectl), '≤ 1 s');
  row(`webhook push → applied, ${objects}-object change, ${bigRuns} runs`, cells(big.agent), cells(big.engine), cells(big.kubectl), '');
  row(`polling at 5 s: push → applied, ${change}-object change, ${pollRuns} runs`, cells(poll5.agent), '', '', '');
  row(`polling at the default 1 m: push → applied, ${change}-object change, ${defaultRuns} runs`, cells(pollDefault.agent), '', '', '');
  row(`first sync of ${objects} objects, commit → applied and healthy, ${firstRuns} runs`, `${ms(median(first.agent))} (${(median(first.agent) / median(first.engine)).toFixed(2)}×)`, ms(median(first.engine)), ms(median(first.kubectl)), '≤ 1.2× the engine');
  row(`idle, ${objects} objects in 10 Syncs at the default interval: API requests per minute, not watches or the leader Lease`, perMinute(after.requests - before.requests), '', '', 'watch and lease only');
  row('idle: writes per minute, not the leader Lease', perMinute(after.writes - before.writes), '', '', '0');
  row('idle: leader Lease requests per minute (get and renew every 2 s)', perMinute(after.lease - before.lease), '', '', '');
  row(`drift: a managed field edited by another manager → reverted, interval 1 m, ${driftRuns} runs`, cells(drift), '', '', '≤ 5 s');
  row('agent RSS idle with 10 Syncs / peak over the run', `${idleMemory.rss.toFixed(0)} MiB / ${end.peak.toFixed(0)} MiB`, '', '', '≤ 150 MB');
  process.stdout.write(`Sync agent, ${objects} ConfigMaps (${new Date().toISOString().slice(0, 10)}); agent: \`capstan agent\`, compiled, its own process\n\n${rows.join('\n')}\n`);
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  await server.close();
  // Namespaces go with their Syncs' finalizers unanswered: drop those first, nothing is left to prune for.
  for (const ns of namespaces) {
    const list = await admin.list(syncRef(ns)).catch(() => ({ items: [] as KubeObject[] }));
    for (const s of list.items) await admin.patch(syncRef(ns, s.metadata.name), 'merge', { metadata: { finalizers: null } }).catch(() => undefined);
    await admin.delete({ group: '', version: 'v1', resource: 'namespaces', name: ns }).catch(() => undefined);
  }
  // Gone before the next run starts, so its agent finds none of these Syncs and objects.
  for (const ns of namespaces) {
    for (let i = 0; i < 600 && (await admin.get({ group: '', version: 'v1', resource: 'namespaces', name: ns }).catch(() => undefined)); i++) await sleep(500);
  }
  admin.close();
  rmSync(root, { recursive: true, force: true });
}
