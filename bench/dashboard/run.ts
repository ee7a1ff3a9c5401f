/**
 * Dashboard benchmark: the time from a change in the cluster to the page showing it (p50, p95), the
 * dashboard server's RSS with a Sync of many managed objects, and what the page costs to load. The
 * sync agent runs in this process against a real cluster and a local git server; the dashboard runs
 * as `capstan dashboard` (the built CLI: `npm run build` first) and the page in Debian's chromium.
 *
 *   npx tsx bench/dashboard/run.ts [--runs 9] [--objects 1000] [--kubeconfig FILE]
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { registerAgent } from '../../src/agent/index.js';
import { SyncType } from '../../src/constructs/schema/index.js';
import { jsonLogger, Manager } from '../../src/controller/index.js';
import { GitServer } from '../../src/devcluster/git-server.js';
import { KubeClient, loadKubeConfig, type KubeObject } from '../../src/k8s/index.js';
import { median, rssMiB } from '../lib.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg('runs', '9'));
const objects = Number(arg('objects', '1000'));
const kubeconfig = arg('kubeconfig', process.env['CAPSTAN_KUBECONFIG'] ?? '/root/.local/state/capstan/dev/kubeconfig');
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

const id = randomBytes(3).toString('hex');
const ns = `bench-dash-${id}`;
const root = mkdtempSync(join(tmpdir(), 'capstan-bench-dashboard-'));
const work = join(root, 'work');
const password = randomBytes(12).toString('hex');
const admin = new KubeClient(loadKubeConfig({ kubeconfig }));
const git = async (...args: string[]) => (await promisify(execFile)('git', ['-C', work, ...args])).stdout.trim();
const syncRef = { group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace: ns, name: 'bench' };
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const server = new GitServer({ root: join(root, 'repos'), username: 'capstan', password });
const port = await server.listen(0, '127.0.0.1');
await server.createRepository('app');
mkdirSync(join(work, 'dist'), { recursive: true });
await git('init', '-q', '-b', 'main');
writeFileSync(join(work, 'dist', 'set.yaml'), Array.from({ length: objects }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  v: "${i}"\n`).join('---\n'));
await git('add', '-A');
await git('-c', 'user.name=bench', '-c', 'user.email=bench@capstan.dev', 'commit', '-q', '-m', `${objects} config maps`);
await git('push', '-q', `http://capstan:${password}@127.0.0.1:${port}/app.git`, 'HEAD:main');
const sha = await git('rev-parse', 'HEAD');

await admin.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
await admin.apply({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: SyncType.crdName }, SyncType.crd as unknown as KubeObject, { fieldManager: 'capstan', force: true });
await admin.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'capstan', password } });
const agentClient = new KubeClient(loadKubeConfig({ kubeconfig }));
const manager = new Manager({ client: agentClient, name: 'agent', namespace: ns, port: 0, host: '127.0.0.1', logger: jsonLogger('silent') });
const agent = registerAgent(manager, { cacheDir: join(root, 'cache') });
await manager.start();
await admin.create({ ...syncRef, name: undefined }, {
  apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', metadata: { name: 'bench', namespace: ns },
  spec: { url: `http://127.0.0.1:${port}/app.git`, interval: '1h', timeout: '5m', wait: false, secretRef: { name: 'git' } },
});
for (const started = Date.now(); ;) {
  const sync = await admin.get<KubeObject & { status?: { lastAppliedRevision?: string } }>(syncRef);
  if (sync?.status?.lastAppliedRevision === sha) break;
  if (Date.now() - started > 300_000) throw new Error(`the first sync of ${objects} objects did not finish within 5 minutes`);
  await new Promise((r) => setTimeout(r, 200));
}

const dash = spawn(process.execPath, [join(repoRoot, 'bin', 'capstan.js'), 'dashboard', '--kubeconfig', kubeconfig, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
// A failing run must not leave the dashboard behind.
process.on('exit', () => dash.kill('SIGTERM'));
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  dash.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(out);
    if (m) resolve(m[0]);
  });
  dash.on('exit', (code) => reject(new Error(`capstan dashboard exited with ${code}`)));
});
const origin = new URL(url).origin;
const token = new URL(url).searchParams.get('token')!;

const browser = await chromium.launch({ executablePath: execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim(), args: ['--no-sandbox'] });
// The harness's own predicates are strings evaluated in the page, which the dashboard's CSP forbids.
const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, bypassCSP: true });
const loaded: { url: string; bytes: number }[] = [];
page.on('requestfinished', (req) => {
  if (req.resourceType() === 'eventsource' || req.url().includes('/api/')) return;
  void req.sizes().then((s) => loaded.push({ url: req.url(), bytes: s.responseBodySize + s.responseHeadersSize }));
});
await page.goto(url);
await page.waitForFunction(`document.body.textContent.includes(${JSON.stringify(`${ns}/bench`)})`, undefined, { timeout: 30_000 });

/** Toggles the Sync's suspend flag `runs` times and times each from sending the PATCH to the page's DOM showing it. */
async function changeToPage(isShown: (suspended: boolean) => string): Promise<number[]> {
  const delays: number[] = [];
  let suspended = false;
  for (let i = 0; i < runs; i++) {
    suspended = !suspended;
    const shown = page.waitForFunction(`(${isShown(suspended)}) ? Date.now() : false`, undefined, { polling: 'raf', timeout: 30_000 });
    // From the moment the change is sent: the page can show it before the PATCH's answer is read here.
    const changed = Date.now();
    await admin.patch(syncRef, 'merge', { spec: { suspend: suspended } });
    const at = Number(await (await shown).jsonValue());
    delays.push(at - changed);
    await new Promise((r) => setTimeout(r, 300));
  }
  if (suspended) await admin.patch(syncRef, 'merge', { spec: { suspend: false } });
  return delays;
}

const row = `[...document.querySelectorAll('tr')].find((r) => r.textContent.includes(${JSON.stringify(`${ns}/bench`)}))`;
const onSyncs = await changeToPage((s) => `${row}?.textContent.includes('Suspended') === ${s}`);
await page.goto(`${origin}/#/sync/${ns}/bench`);
await page.waitForFunction(`document.querySelectorAll('a.node').length >= ${objects}`, undefined, { timeout: 60_000 });
const onSync = await changeToPage((s) => `document.querySelector('.facts')?.textContent.includes('Suspended') === ${s}`);
await new Promise((r) => setTimeout(r, 2000));
const rss = rssMiB(dash.pid!);

/** The bytes of one view's first message on the wire (gzip, as the browser asks) and as JSON. */
function firstView(query: string): Promise<{ wire: number; json: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}/api/stream?${query}`, { headers: { 'X-Capstan-Token': token, 'Accept-Encoding': 'gzip' } }, (res) => {
      let wire = 0;
      let text = '';
      const gunzip = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
      res.on('data', (c: Buffer) => { wire += c.length; gunzip.write(c); });
      gunzip.on('data', (c: Buffer) => {
        text += c.toString();
        const m = /event: view\ndata: (.*)\n\n/.exec(text);
        if (m) {
          req.destroy();
          resolve({ wire, json: Buffer.byteLength(m[1]!) });
        }
      });
    });
    req.on('error', (err) => { if (!req.destroyed) reject(err); });
  });
}
const syncsView = await firstView('view=syncs');
const syncView = await firstView(`view=sync&namespace=${ns}&name=bench`);
const assets = loaded.reduce((sum, r) => sum + r.bytes, 0);

const ms = (v: number) => `${Math.round(v)} ms`;
process.stdout.write(`${[
  `runs: ${runs}, objects: ${objects}, ${new Date().toISOString().slice(0, 10)}`,
  '',
  '| measure | value |',
  '|---|---|',
  `| cluster change → Syncs page shows it, p50 | ${ms(median(onSyncs))} |`,
  `| cluster change → Syncs page shows it, p95 | ${ms(percentile(onSyncs, 95))} |`,
  `| cluster change → Sync page (tree of ${objects} objects) shows it, p50 | ${ms(median(onSync))} |`,
  `| cluster change → Sync page (tree of ${objects} objects) shows it, p95 | ${ms(percentile(onSync, 95))} |`,
  `| dashboard server RSS, ${objects} managed objects, Sync page open | ${rss.toFixed(0)} MiB |`,
  `| page load: HTML, JS and CSS as transferred (gzip, with headers) | ${kib(assets)} (${loaded.length} responses) |`,
  `| first view of the Syncs page: on the wire (gzip) / as JSON | ${kib(syncsView.wire)} / ${kib(syncsView.json)} |`,
  `| first view of the Sync page (${objects}-object tree): on the wire (gzip) / as JSON | ${kib(syncView.wire)} / ${kib(syncView.json)} |`,
  '',
  `change → Syncs page, all runs: ${onSyncs.map((d) => Math.round(d)).join(', ')} ms`,
  `change → Sync page, all runs: ${onSync.map((d) => Math.round(d)).join(', ')} ms`,
].join('\n')}\n`);

await browser.close();
dash.kill('SIGTERM');
await manager.stop();
await agent.controller.drift.stop();
await agent.webhooks.close();
await admin.delete({ group: '', version: 'v1', resource: 'namespaces', name: ns });
await server.close();
admin.close();
agentClient.close();
rmSync(root, { recursive: true, force: true });
