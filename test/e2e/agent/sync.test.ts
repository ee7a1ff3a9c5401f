import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../../../src/devcluster/index.js';
import { hmacSha256 } from '../../../src/agent/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { eventually, kubeconfigPath, useNamespace } from '../harness.js';
import { condition, configMap, installSyncCrd, startPodAgent, syncRef, TestRepository, type PodAgent, type SyncObject } from './helpers.js';

const ns = useNamespace('agent-sync');
const repo = new TestRepository();
const token = 'webhook-token-0123456789';
let agent: PodAgent;
let applied = '';

const cm = (name: string) => ns.client.get<KubeObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name });
const getSync = () => ns.client.get<SyncObject>(syncRef(ns.name, 'app'));
const reconciles = async () => (await agent.metrics()).reconciles();

/** `capstan sync …` against this file's namespace; resolves its standard output. */
async function capstanSync(...args: string[]): Promise<string> {
  const [node, ...cli] = cliCommand();
  return (await promisify(execFile)(node!, [...cli, 'sync', ...args, '--kubeconfig', kubeconfigPath(), '-n', ns.name], { timeout: 60_000 })).stdout;
}

/** Sends a webhook delivery signed the generic way (or with `headers` as given). */
async function deliver(headers?: Record<string, string>, body = '{"ref":"refs/heads/main"}'): Promise<number> {
  const res = await fetch(agent.webhookUrl('app'), {
    method: 'POST',
    headers: headers ?? { 'X-Capstan-Signature': `sha256=${hmacSha256(token, body)}` },
    body,
  });
  return res.status;
}

/** Pushes `files`, triggers the Sync and waits until the commit is applied. */
async function pushAndApply(message: string, files: Record<string, string | null>): Promise<SyncObject> {
  const sha = await repo.commit(message, files);
  expect(await deliver()).toBe(202);
  return eventually(`commit ${sha.slice(0, 8)} applied`, async () => {
    const sync = await getSync();
    return sync?.status?.lastAppliedRevision === sha && condition(sync, 'Ready')?.status === 'True' ? sync : undefined;
  }, 30_000);
}

/** Pushes a commit that must fail, and waits for the Sync to say so. */
async function pushAndFail(message: string, files: Record<string, string | null>): Promise<SyncObject> {
  const sha = await repo.commit(message, files);
  expect(await deliver()).toBe(202);
  return eventually(`commit ${sha.slice(0, 8)} refused`, async () => {
    const sync = await getSync();
    return sync?.status?.lastAttemptedRevision === sha && condition(sync, 'Ready')?.status === 'False' ? sync : undefined;
  }, 30_000);
}

beforeAll(async () => {
  await installSyncCrd(ns.client);
  await repo.start('0.0.0.0');
  agent = await startPodAgent(ns.client, ns.name);
  const secret = (name: string, type: string, data: Record<string, string>) => ns.client.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name }, type, stringData: data,
  });
  await secret('git', 'kubernetes.io/basic-auth', { username: 'capstan', password: repo.password });
  await secret('hook', 'Opaque', { token });
  await ns.client.create({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign' }, data: { mine: 'yes' } });
});

afterAll(async () => {
  await agent?.stop();
  await repo.dispose();
});

describe('the sync agent on a real cluster and git server', () => {
  it('applies the first push, records the inventory and the history', async () => {
    const sha = await repo.commit('two config maps', { 'dist/app.yaml': `${configMap('a', { v: '1' })}---\n${configMap('b', { v: '1' })}` });
    await ns.client.create(syncRef(ns.name), {
      apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', metadata: { name: 'app', namespace: ns.name },
      spec: { url: repo.url('host.capstan.internal'), interval: '1h', timeout: '1m', secretRef: { name: 'git' }, webhook: { secretRef: { name: 'hook' } } },
    });
    const sync = await eventually('the Sync to be Ready', async () => {
      const s = await getSync();
      return condition(s, 'Ready')?.status === 'True' ? s : undefined;
    }, 30_000);
    applied = sha;
    expect(sync.status?.lastAppliedRevision).toBe(sha);
    expect(condition(sync, 'Ready')?.message).toContain(sha.slice(0, 12));
    expect(sync.status?.inventory).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name, names: ['a', 'b'] }]);
    expect(sync.status?.history?.map((h) => [h.revision, h.subject, h.created])).toEqual([[sha, 'two config maps', 2]]);
    expect((await cm('a'))?.metadata.annotations?.['capstan.dev/inventory']).toBe(`Sync/${ns.name}/app`);
  });

  it('configures a changed object, prunes a removed one and leaves a foreign one alone', async () => {
    const sync = await pushAndApply('change a, drop b', { 'dist/app.yaml': configMap('a', { v: '2' }) });
    applied = sync.status!.lastAppliedRevision!;
    expect((await cm('a'))?.data).toEqual({ v: '2' });
    expect(await cm('b')).toBeUndefined();
    expect((await cm('foreign'))?.data).toEqual({ mine: 'yes' });
    expect(sync.status?.inventory).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name, names: ['a'] }]);
    expect(sync.status?.history?.[0]).toMatchObject({ revision: applied, configured: 1, deleted: 1, created: 0 });
  });

  it('reverts an edit of a managed field within seconds and keeps an unmanaged one', async () => {
    const ref = { group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name: 'a' };
    await ns.client.patch(ref, 'merge', { data: { v: 'edited' }, metadata: { labels: { team: 'ops' } } }, { fieldManager: 'kubectl-edit' });
    const started = Date.now();
    const repaired = await eventually('the edit to be reverted', async () => {
      const a = await cm('a');
      return a?.data?.['v'] === '2' ? a : undefined;
    }, 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(repaired.metadata.labels?.['team']).toBe('ops');
  });

  it('writes nothing when a reconcile finds nothing changed', async () => {
    await new Promise((r) => setTimeout(r, 1500)); // let the drift repair's own echo settle
    const before = await getSync();
    const cmBefore = await cm('a');
    const count = await reconciles();
    expect(await deliver()).toBe(202);
    await eventually('the triggered reconcile to finish', async () => (await reconciles()) > count, 15_000);
    expect((await getSync())?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect((await cm('a'))?.metadata.resourceVersion).toBe(cmBefore?.metadata.resourceVersion);
  });

  it('sends no request but its watches and Lease at an interval reconcile that finds the commit applied and nothing drifted, and still repairs drift', async () => {
    await ns.client.patch(syncRef(ns.name, 'app'), 'merge', { spec: { interval: '2s' } });
    // The spec change is reconciled in full; the ones after it come from the interval.
    await eventually('the new interval to be reconciled', async () => {
      const s = await getSync();
      return s?.status?.observedGeneration === s?.metadata.generation;
    }, 15_000);
    const count = await reconciles();
    await eventually('one reconcile after the spec change', async () => (await reconciles()) > count, 15_000);
    const before = await agent.metrics();
    const after = await eventually('three interval reconciles', async () => {
      const now = await agent.metrics();
      return now.reconciles() >= before.reconciles() + 3 ? now : undefined;
    }, 20_000);
    // The remote is asked each time; the git Secret comes from its watch, and nothing is read, compared or written.
    const sent = Object.entries(after.requestsBesidesWatchesAndLease()).filter(([what, n]) => n !== (before.requestsBesidesWatchesAndLease()[what] ?? 0));
    expect(sent).toEqual([]);

    const ref = { group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name: 'a' };
    await ns.client.patch(ref, 'merge', { data: { v: 'edited again' } }, { fieldManager: 'kubectl-edit' });
    await eventually('the edit to be reverted', async () => (await cm('a'))?.data?.['v'] === '2', 15_000);
    await ns.client.patch(syncRef(ns.name, 'app'), 'merge', { spec: { interval: null } });
  });

  it.each([
    ['a YAML error', { 'dist/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\n' }, ['dist/broken.yaml', 'line']],
    ['a schema-invalid object', { 'dist/broken.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: "many"}\n' }, ['dist/broken.yaml', 'Deployment']],
    ['an unknown kind', { 'dist/broken.yaml': 'apiVersion: example.com/v1\nkind: Frobnicator\nmetadata: {name: f}\n' }, ['dist/broken.yaml', 'Frobnicator']],
  ])('applies nothing of a commit with %s, goes Stalled naming file and object, and keeps the last revision', async (_what, files, words) => {
    const sync = await pushAndFail('a bad commit', { ...files, 'dist/app.yaml': `${configMap('a', { v: '3' })}---\n${configMap('c', { v: '1' })}` });
    expect(condition(sync, 'Stalled')).toMatchObject({ status: 'True', reason: 'ValidationFailed' });
    for (const word of words) expect(condition(sync, 'Ready')?.message).toContain(word);
    expect(sync.status?.lastAppliedRevision).toBe(applied);
    expect((await cm('a'))?.data).toEqual({ v: '2' });
    expect(await cm('c')).toBeUndefined();
  });

  it('applies the next good commit after bad ones', async () => {
    const sync = await pushAndApply('fixed', { 'dist/broken.yaml': null, 'dist/app.yaml': `${configMap('a', { v: '3' })}---\n${configMap('c', { v: '1' })}` });
    applied = sync.status!.lastAppliedRevision!;
    expect((await cm('a'))?.data).toEqual({ v: '3' });
    expect(condition(sync, 'Stalled')?.status).toBe('False');
  });

  it('refuses a revision whose path holds no manifests and prunes nothing', async () => {
    const sync = await pushAndFail('empty dist', { 'dist/app.yaml': null, 'dist/README.md': 'nothing here\n' });
    expect(condition(sync, 'Ready')).toMatchObject({ reason: 'ValidationFailed' });
    expect(condition(sync, 'Ready')?.message).toContain('holds no manifests');
    expect(await cm('a')).toBeDefined();
    expect(await cm('c')).toBeDefined();
    await pushAndApply('back', { 'dist/README.md': null, 'dist/app.yaml': `${configMap('a', { v: '3' })}---\n${configMap('c', { v: '1' })}` });
  });

  it('keeps the last applied state with a condition when credentials are wrong or the remote is down, and recovers', async () => {
    const secretRef = { group: '', version: 'v1', resource: 'secrets', namespace: ns.name, name: 'git' };
    await ns.client.patch(secretRef, 'merge', { stringData: { password: 'not-the-password' } });
    expect(await deliver()).toBe(202);
    let sync = await eventually('the fetch to fail', async () => {
      const s = await getSync();
      return condition(s, 'Ready')?.reason === 'FetchFailed' ? s : undefined;
    }, 20_000);
    expect(condition(sync, 'Ready')?.message).toMatch(/Authentication failed|authentication required/);
    expect(JSON.stringify(sync)).not.toContain('not-the-password');
    expect((await cm('a'))?.data).toEqual({ v: '3' });

    await ns.client.patch(secretRef, 'merge', { stringData: { password: repo.password } });
    await repo.stop();
    expect(await deliver()).toBe(202);
    sync = await eventually('the fetch to fail with the remote down', async () => {
      const s = await getSync();
      const ready = condition(s, 'Ready');
      return ready?.reason === 'FetchFailed' && !/Authentication/.test(ready.message ?? '') ? s : undefined;
    }, 20_000);
    expect(condition(sync, 'Ready')?.message).toMatch(/ls-remote|connect|refused/i);
    expect((await cm('a'))?.data).toEqual({ v: '3' });

    await repo.start('0.0.0.0');
    const recovered = await pushAndApply('remote is back', { 'dist/app.yaml': `${configMap('a', { v: '4' })}---\n${configMap('c', { v: '1' })}` });
    expect(condition(recovered, 'Ready')?.reason).toBe('ReconciliationSucceeded');
    expect((await cm('a'))?.data).toEqual({ v: '4' });
  });

  it.each([
    ['GitHub', (body: string) => ({ 'X-Hub-Signature-256': `sha256=${hmacSha256(token, body)}`, 'X-GitHub-Event': 'push' })],
    ['GitLab', () => ({ 'X-Gitlab-Token': token, 'X-Gitlab-Event': 'Push Hook' })],
    ['Gitea', (body: string) => ({ 'X-Gitea-Signature': hmacSha256(token, body) })],
    ['generic', (body: string) => ({ 'X-Capstan-Signature': `sha256=${hmacSha256(token, body)}` })],
  ])('a valid %s delivery triggers a sync; a bad or missing signature gets 401 and triggers none', async (_provider, sign) => {
    const n = Number((await cm('a'))?.data?.['v'] ?? 0) + 1;
    const sha = await repo.commit(`v${n}`, { 'dist/app.yaml': `${configMap('a', { v: String(n) })}---\n${configMap('c', { v: '1' })}` });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
    const rejected = (await agent.metrics()).sum('capstan_sync_webhook_rejections_total');
    expect(await deliver({ 'X-Capstan-Signature': `sha256=${hmacSha256('wrong-token', body)}` }, body)).toBe(401);
    expect(await deliver({ 'X-Hub-Signature-256': 'sha256=00' }, body)).toBe(401);
    expect(await deliver({}, body)).toBe(401);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await getSync())?.status?.lastAppliedRevision).not.toBe(sha);
    expect(await deliver(sign(body), body)).toBe(202);
    await eventually(`commit ${sha.slice(0, 8)} applied`, async () => (await getSync())?.status?.lastAppliedRevision === sha, 20_000);
    expect((await agent.metrics()).sum('capstan_sync_webhook_rejections_total') - rejected).toBe(3);
  });

  it('rolls back with `capstan sync rollback`, holds later pushes while pinned, and follows the branch again after `unpin`', async () => {
    const current = Number((await cm('a'))?.data?.['v']);
    const history = JSON.parse(await capstanSync('history', 'app', '-o', 'json')) as { revision: string }[];
    const earlier = history[1]!.revision;
    expect(await capstanSync('rollback', 'app', earlier.slice(0, 8))).toContain('is Ready');
    expect((await cm('a'))?.data).toEqual({ v: String(current - 1) });
    expect((await getSync())?.spec).toMatchObject({ revision: earlier });

    const later = await repo.commit('after the rollback', { 'dist/app.yaml': `${configMap('a', { v: String(current + 1) })}---\n${configMap('c', { v: '1' })}` });
    expect(await deliver()).toBe(202);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await getSync())?.status?.lastAppliedRevision).toBe(earlier);

    await capstanSync('unpin', 'app');
    expect((await getSync())?.status?.lastAppliedRevision).toBe(later);
    expect((await cm('a'))?.data).toEqual({ v: String(current + 1) });
    const listed = JSON.parse(await capstanSync('list', '-o', 'json')) as { name: string; revision: string; ready: string }[];
    expect(listed).toEqual([expect.objectContaining({ name: 'app', revision: later, ready: 'True' })]);
  });

  it('deletes what it applied, and nothing foreign, when the Sync is deleted', async () => {
    expect((await getSync())?.metadata.finalizers).toEqual(['capstan.dev/prune-on-delete']);
    expect(await cm('a')).toBeDefined();
    await ns.client.delete(syncRef(ns.name, 'app'));
    await eventually('the Sync to be finalized and gone', async () => (await getSync()) === undefined, 30_000);
    expect(await cm('a')).toBeUndefined();
    expect(await cm('c')).toBeUndefined();
    expect((await cm('foreign'))?.data).toEqual({ mine: 'yes' });
  });
});
