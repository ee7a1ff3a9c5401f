/**
 * Sync agent benchmark: webhook push → applied latency for a small change, the first sync of a
 * large set beside the apply engine's own sync of the same set, and the agent's requests and writes
 * while idle. The agent runs in this process (`registerAgent` on a Manager, as `capstan agent`
 * runs it), against a real cluster and a local git server.
 *
 *   npx tsx bench/agent/run.ts [--runs 9] [--objects 1000] [--change 10] [--idle 60] [--kubeconfig FILE]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hmacSha256, registerAgent } from '../../src/agent/index.js';
import { ConfigMapInventory, parseManifests, ResourceManager } from '../../src/apply/index.js';
import { SyncType } from '../../src/constructs/schema/index.js';
import { jsonLogger, Manager } from '../../src/controller/index.js';
import { GitServer } from '../../src/devcluster/git-server.js';
import { KubeClient, loadKubeConfig, type KubeObject } from '../../src/k8s/index.js';
import { median } from '../lib.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg('runs', '9'));
const objects = Number(arg('objects', '1000'));
const change = Number(arg('change', '10'));
const idleSeconds = Number(arg('idle', '60'));
const kubeconfig = arg('kubeconfig', process.env['CAPSTAN_KUBECONFIG'] ?? '/root/.local/state/capstan/dev/kubeconfig');

const id = randomBytes(3).toString('hex');
const ns = `bench-agent-${id}`;
const plain = `bench-apply-${id}`;
const root = mkdtempSync(join(tmpdir(), 'capstan-bench-agent-'));
const work = join(root, 'work');
const password = randomBytes(12).toString('hex');
const token = randomBytes(12).toString('hex');
const counts = { requests: 0, writes: 0 };
const client = new KubeClient(loadKubeConfig({ kubeconfig }), {
  record: (method, _path, isWatch) => {
    if (isWatch) return;
    counts.requests++;
    if (method !== 'GET') counts.writes++;
  },
});
const admin = new KubeClient(loadKubeConfig({ kubeconfig }));
// Asynchronous: the git server answering the push runs in this process.
const git = async (...args: string[]) => (await promisify(execFile)('git', ['-C', work, ...args])).stdout.trim();
const set = (version: (i: number) => number): string => Array.from({ length: objects }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  v: "${version(i)}"\n`).join('---\n');
const syncRef = { group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace: ns, name: 'bench' };
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const ms = (v: number) => `${Math.round(v)} ms`;

async function commit(text: string, message: string): Promise<string> {
  writeFileSync(join(work, 'dist', 'set.yaml'), text);
  await git('add', '-A');
  await git('-c', 'user.name=bench', '-c', 'user.email=bench@capstan.dev', 'commit', '-q', '-m', message);
  await git('push', '-q', `http://capstan:${password}@127.0.0.1:${port}/app.git`, 'HEAD:main');
  return git('rev-parse', 'HEAD');
}

async function appliedAfter(sha: string, deliver: boolean): Promise<number> {
  const started = performance.now();
  if (deliver) {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
    const res = await fetch(`http://127.0.0.1:${webhookPort}/hooks/${ns}/bench`, { method: 'POST', body, headers: { 'X-Capstan-Signature': `sha256=${hmacSha256(token, body)}` } });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
  }
  for (;;) {
    const sync = await admin.get<KubeObject & { status?: { lastAppliedRevision?: string } }>(syncRef);
    if (sync?.status?.lastAppliedRevision === sha) return performance.now() - started;
    if (performance.now() - started > 300_000) throw new Error(`commit ${sha} not applied within 5 minutes`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const server = new GitServer({ root: join(root, 'repos'), username: 'capstan', password });
const port = await server.listen(0, '127.0.0.1');
await server.createRepository('app');
mkdirSync(join(work, 'dist'), { recursive: true });
await git('init', '-q', '-b', 'main');
for (const name of [ns, plain]) await admin.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
await admin.apply({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: SyncType.crdName }, SyncType.crd as unknown as KubeObject, { fieldManager: 'capstan', force: true });
const secrets = { group: '', version: 'v1', resource: 'secrets', namespace: ns };
await admin.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'capstan', password } });
await admin.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook' }, stringData: { token } });

const manager = new Manager({ client, name: 'agent', namespace: ns, port: 0, host: '127.0.0.1', logger: jsonLogger('silent') });
const agent = registerAgent(manager, { cacheDir: join(root, 'cache') });
const webhookPort = await agent.webhooks.listen(0, '127.0.0.1');
await manager.start();

try {
  let sha = await commit(set(() => 0), 'first');
  await admin.create({ ...syncRef, name: undefined }, {
    apiVersion: SyncType.apiVersion, kind: 'Sync', metadata: { name: 'bench', namespace: ns },
    spec: { url: `http://127.0.0.1:${port}/app.git`, interval: '1h', wait: false, secretRef: { name: 'git' }, webhook: { secretRef: { name: 'hook' } } },
  });
  const first = await appliedAfter(sha, false);
  const started = performance.now();
  await new ResourceManager(admin, { defaultNamespace: plain }).sync(parseManifests(set(() => 0), 'set.yaml'), new ConfigMapInventory(admin, 'bench', plain), { prune: true });
  const plainFirst = performance.now() - started;

  const latencies: number[] = [];
  for (let r = 1; r <= runs; r++) {
    sha = await commit(set((i) => (i < change ? r : 0)), `change ${r}`);
    latencies.push(await appliedAfter(sha, true));
  }

  await admin.patch(syncRef, 'merge', { spec: { interval: '10s' } });
  await new Promise((r) => setTimeout(r, 3000));
  const before = { ...counts };
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const perMinute = (n: number) => (n * 60) / idleSeconds;
  const idleRequests = perMinute(counts.requests - before.requests);
  const idleWrites = perMinute(counts.writes - before.writes);
  const rss = process.memoryUsage().rss / 1024 / 1024;

  process.stdout.write([
    `Sync agent, ${objects} ConfigMaps in one Sync, ${change}-object changes, ${runs} runs (${new Date().toISOString().slice(0, 10)})`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| webhook push → applied, ${change} objects, p50 | ${ms(median(latencies))} | ≤ 1 s |`,
    `| webhook push → applied, ${change} objects, p95 | ${ms(percentile(latencies, 95))} | |`,
    `| first sync of ${objects} objects (commit → applied) | ${ms(first)} | ≤ 1.2× the apply engine |`,
    `| the apply engine's sync of the same set (in-process, as \`capstan apply\`) | ${ms(plainFirst)} | |`,
    `| idle at a 10 s interval: API requests per minute (not watches) | ${idleRequests.toFixed(0)} | |`,
    `| idle at a 10 s interval: writes per minute | ${idleWrites.toFixed(0)} | 0 |`,
    `| RSS of the process running the agent | ${rss.toFixed(0)} MiB | ≤ 150 MB |`,
    '',
  ].join('\n'));
} finally {
  // Deleted while the agent runs: its finalizer prunes what the Sync applied, and the namespace can go.
  await admin.delete(syncRef).catch(() => undefined);
  for (let i = 0; i < 120 && (await admin.get(syncRef).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 500));
  await agent.webhooks.close();
  await manager.stop();
  await agent.controller.drift.stop();
  await server.close();
  for (const name of [ns, plain]) await admin.delete({ group: '', version: 'v1', resource: 'namespaces', name }).catch(() => undefined);
  client.close();
  admin.close();
  rmSync(root, { recursive: true, force: true });
}
