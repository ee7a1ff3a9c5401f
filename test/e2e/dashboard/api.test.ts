import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectDetail, SyncDetail, SyncSummary } from '../../../src/dashboard/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { eventually, useNamespace } from '../harness.js';
import { condition, syncRef, type SyncObject } from '../agent/helpers.js';
import { OTHER_VALUE, request, SECRET_VALUE, startDashboard, startFixture, ViewStream, type Answer, type RunningDashboard } from './helpers.js';

const ns = useNamespace('dash-api');
let fixture: Awaited<ReturnType<typeof startFixture>>;
let dash: RunningDashboard;
let readOnly: RunningDashboard;
/** Every answer the dashboard gave in this file, searched for the Secret's value at the end. */
const answers: string[] = [];

const getSync = () => ns.client.get<SyncObject & { spec: { suspend?: boolean; revision?: string } }>(syncRef(ns.name, 'app'));
const auth = () => ({ 'X-Capstan-Token': dash.token });
async function get(path: string, d = dash): Promise<Answer> {
  const a = await request(`${d.origin}${path}`, { headers: { 'X-Capstan-Token': d.token } });
  answers.push(a.body);
  return a;
}
async function post(path: string, body: object = {}, d = dash): Promise<Answer> {
  const a = await request(`${d.origin}${path}`, { method: 'POST', headers: { 'X-Capstan-Token': d.token, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  answers.push(a.body);
  return a;
}
const objectPath = (apiVersion: string, kind: string, name: string) => `/api/object?${new URLSearchParams({ apiVersion, kind, namespace: ns.name, name })}`;

beforeAll(async () => {
  fixture = await startFixture(ns.client, ns.name);
  await eventually('the first revision to be applied', async () => (await getSync())?.status?.lastAppliedRevision === fixture.first, 60_000);
  [dash, readOnly] = await Promise.all([startDashboard(), startDashboard('--read-only')]);
});

afterAll(async () => {
  await Promise.all([dash?.stop(), readOnly?.stop()]);
  await fixture?.stop();
});

describe('capstan dashboard against the real cluster', () => {
  it('listens on 127.0.0.1 only and prints a URL with a 64-hex-digit token', () => {
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(dash.token).not.toBe(readOnly.token);
  });

  it('refuses every request without the token with 401, and a wrong Host with 403', async () => {
    for (const path of ['/', '/index.html', '/api/syncs', `/api/syncs/${ns.name}/app`, '/api/stream?view=syncs', '/api/info']) {
      expect((await request(`${dash.origin}${path}`)).status, path).toBe(401);
      expect((await request(`${dash.origin}${path}`, { headers: { 'X-Capstan-Token': readOnly.token } })).status, `${path} with another dashboard's token`).toBe(401);
      expect((await request(`${dash.origin}${path}${path.includes('?') ? '&' : '?'}token=${'0'.repeat(64)}`)).status, `${path} with a wrong token`).toBe(401);
    }
    const stream = new ViewStream(`${dash.origin}/api/stream?view=syncs`, {});
    await eventually('the stream to be answered', async () => stream.status !== 0, 5000, 50);
    expect(stream.status).toBe(401);
    stream.close();
    expect((await request(`${dash.origin}/api/syncs/${ns.name}/app/suspend`, { method: 'POST' })).status).toBe(401);
    expect((await request(`${dash.origin}/api/syncs`, { headers: { ...auth(), Host: `evil.example:${new URL(dash.origin).port}` } })).status).toBe(403);
  });

  it('serves the page with the token in the URL, setting a cookie that then carries it; actions need the header', async () => {
    const page = await request(dash.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module"');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toContain(dash.token);
    const script = /src="([^"]+\.js)"/.exec(page.body)![1]!;
    expect((await request(`${dash.origin}${script}`)).status).toBe(401);
    expect((await request(`${dash.origin}${script}`, { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await request(`${dash.origin}/api/syncs`, { headers: { Cookie: cookie } })).status).toBe(200);
    // A cookie rides along on any request the browser makes, so it is not enough to act.
    expect((await request(`${dash.origin}/api/syncs/${ns.name}/app/reconcile`, { method: 'POST', headers: { Cookie: cookie } })).status).toBe(403);
  });

  it('lists the Sync: URL, ref, revision and subject, Ready, last applied time, objects by health', async () => {
    const syncs = JSON.parse((await get('/api/syncs')).body) as SyncSummary[];
    const s = syncs.find((x) => x.namespace === ns.name && x.name === 'app')!;
    expect(s).toMatchObject({ url: fixture.repo.url(), ref: 'branch main', revision: fixture.first, subject: 'first revision', suspended: false, pinned: null, objects: 4 });
    expect(s.ready?.status).toBe('True');
    expect(Date.parse(s.lastAppliedTime!)).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(Object.values(s.counts).reduce((a, b) => a + (b ?? 0), 0)).toBe(4);
  });

  it('shows the resource tree: Deployment → ReplicaSet → Pod with health, the crashing pod Failed with its reason', async () => {
    const detail = await eventually('the broken pod to be Failed in the tree', async () => {
      const d = JSON.parse((await get(`/api/syncs/${ns.name}/app`)).body) as SyncDetail;
      return d.tree.some((n) => n.kind === 'Pod' && n.name.startsWith('broken-') && n.health.status === 'Failed') ? d : undefined;
    }, 90_000, 500);
    const byId = new Map(detail.tree.map((n) => [n.id, n]));
    const chain = (name: string) => {
      const pod = detail.tree.find((n) => n.kind === 'Pod' && n.name.startsWith(`${name}-`))!;
      const rs = byId.get(pod.parent!)!;
      return [byId.get(rs.parent!)!.kind, rs.kind, pod.kind, byId.get(rs.parent!)!.inventory, pod.inventory];
    };
    expect(chain('web')).toEqual(['Deployment', 'ReplicaSet', 'Pod', true, false]);
    expect(chain('broken')).toEqual(['Deployment', 'ReplicaSet', 'Pod', true, false]);
    expect(detail.tree.filter((n) => n.inventory).map((n) => `${n.kind}/${n.name}`).sort()).toEqual(['ConfigMap/settings', 'Deployment/broken', 'Deployment/web', 'Secret/db']);
    const broken = detail.tree.find((n) => n.kind === 'Pod' && n.name.startsWith('broken-'))!;
    expect(broken.health.message).toMatch(/CrashLoopBackOff/);
    expect(detail.history.map((h) => [h.revision, h.subject])).toEqual([[fixture.first, 'first revision']]);
  });

  it('shows one object: live YAML without managedFields, conditions, Events, and a pod\'s logs', async () => {
    const dep = JSON.parse((await get(objectPath('apps/v1', 'Deployment', 'web'))).body) as ObjectDetail;
    expect(dep.yaml).toContain('name: web');
    expect(dep.yaml).not.toContain('managedFields');
    expect(dep.managedFields.map((m) => m.manager)).toContain('capstan');
    expect(dep.sync).toEqual({ namespace: ns.name, name: 'app' });
    expect(dep.conditions.map((c) => c.type)).toContain('Available');

    const detail = JSON.parse((await get(`/api/syncs/${ns.name}/app`)).body) as SyncDetail;
    const webPod = detail.tree.find((n) => n.kind === 'Pod' && n.name.startsWith('web-'))!;
    const pod = JSON.parse((await get(objectPath('v1', 'Pod', webPod.name))).body) as ObjectDetail;
    expect(pod.containers).toEqual(['main']);
    expect(pod.sync).toEqual({ namespace: ns.name, name: 'app' });
    expect(pod.owners.map((o) => o.kind)).toEqual(['ReplicaSet']);
    const logs = await eventually('the web pod to log', async () => {
      const a = await get(`/api/logs?${new URLSearchParams({ namespace: ns.name, pod: webPod.name, container: 'main' })}`);
      return a.status === 200 && a.body.includes('hello-from-web') ? a : undefined;
    }, 60_000, 500);
    expect(logs.headers['content-type']).toContain('text/plain');
    const followed = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${dash.origin}/api/logs?${new URLSearchParams({ namespace: ns.name, pod: webPod.name, follow: 'true' })}`, { headers: auth() }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('hello-from-web')) {
            // Still open: a followed log ends only when the page closes it.
            resolve(`${res.complete ? 'ended' : 'open'}: ${text}`);
            req.destroy();
          }
        });
        res.on('end', () => resolve(`ended: ${text}`));
      });
      req.on('error', reject);
    });
    expect(followed).toMatch(/^open: .*hello-from-web/s);

    const brokenPod = detail.tree.find((n) => n.kind === 'Pod' && n.name.startsWith('broken-'))!;
    const broken = await eventually('an Event about the crashing pod', async () => {
      const d = JSON.parse((await get(objectPath('v1', 'Pod', brokenPod.name))).body) as ObjectDetail;
      return d.events.length ? d : undefined;
    }, 60_000, 500);
    expect(broken.health.status).toBe('Failed');
    const previous = await eventually('the previous instance\'s log', async () => {
      const a = await get(`/api/logs?${new URLSearchParams({ namespace: ns.name, pod: brokenPod.name, container: 'main', previous: 'true' })}`);
      return a.status === 200 && a.body.includes('about to fail') ? a : undefined;
    }, 60_000, 500);
    expect(previous.body).toContain('about to fail');
  });

  it('shows a custom resource generically: its conditions and its CRD\'s printer columns', async () => {
    const d = JSON.parse((await get(`/api/object?${new URLSearchParams({ apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', namespace: ns.name, name: 'app' })}`)).body) as ObjectDetail;
    const columns = d.tables.find((t) => t.title === 'Printer columns')!;
    const cell = (name: string) => columns.rows[0]![columns.columns.indexOf(name)];
    expect(columns.columns).toEqual(expect.arrayContaining(['URL', 'Revision', 'Message']));
    expect([cell('URL'), cell('Revision'), cell('Message')]).toEqual([fixture.repo.url(), fixture.first, expect.stringContaining(fixture.first.slice(0, 12))]);
    expect(d.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(expect.arrayContaining(['Ready=True', 'Stalled=False']));
  });

  it('diffs an applied object against its manifest in the applied revision, Secret values masked', async () => {
    const view = async (kind: string, name: string) => JSON.parse((await get(objectPath('v1', kind, name))).body) as ObjectDetail;
    expect((await view('ConfigMap', 'settings')).diff).toBe('');
    // Suspended, the agent leaves the hand edits below for the diff to show.
    await ns.client.patch(syncRef(ns.name, 'app'), 'merge', { spec: { suspend: true } });
    await ns.client.patch({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name: 'settings' }, 'merge', { data: { revision: 'hand-edited' } });
    await ns.client.patch({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name, name: 'db' }, 'merge', { stringData: { password: OTHER_VALUE } });
    const cm = await eventually('the ConfigMap\'s drift in its diff', async () => {
      const d = await view('ConfigMap', 'settings');
      return d.diff?.includes('hand-edited') ? d : undefined;
    }, 10_000, 200);
    expect(cm.diff).toMatch(/^-\s+revision: hand-edited$/m);
    expect(cm.diff).toMatch(/^\+\s+revision: "1"$/m);
    const secret = await view('Secret', 'db');
    expect(secret.diff).toContain('*** (before)');
    expect(secret.diff).toContain('*** (after)');
    const pod = JSON.parse((await get(`/api/syncs/${ns.name}/app`)).body) as SyncDetail;
    const podName = pod.tree.find((n) => n.kind === 'Pod')!.name;
    expect((await view('Pod', podName)).diffNote).toContain('a controller made this object');
    await ns.client.patch(syncRef(ns.name, 'app'), 'merge', { spec: { suspend: false } });
    await eventually('the agent to repair the drift once resumed', async () => (await view('ConfigMap', 'settings')).diff === '', 30_000, 500);
  });

  it('pushes a change of the cluster to an open stream within a second (bounded at 5 s here; the benchmark measures it)', async () => {
    const stream = new ViewStream(`${dash.origin}/api/stream?view=syncs`, auth());
    await stream.next<SyncSummary[]>('the Sync', (v) => v.some((s) => s.name === 'app' && s.namespace === ns.name));
    const delays: number[] = [];
    for (const suspend of [true, false, true, false]) {
      const from = stream.views.length;
      await ns.client.patch(syncRef(ns.name, 'app'), 'merge', { spec: { suspend } });
      const changed = Date.now();
      const got = await stream.next<SyncSummary[]>(`suspended=${suspend}`, (v) => v.some((s) => s.name === 'app' && s.namespace === ns.name && s.suspended === suspend), 5000, from);
      delays.push(got.at - changed);
    }
    stream.close();
    process.stderr.write(`[dashboard] change → stream: ${delays.join(', ')} ms\n`);
    expect(delays.every((d) => d < 5000)).toBe(true);
  });

  it('shows a push\'s new revision on an open Sync stream', async () => {
    const stream = new ViewStream(`${dash.origin}/api/stream?${new URLSearchParams({ view: 'sync', namespace: ns.name, name: 'app' })}`, auth());
    await stream.next<SyncDetail>('the Sync', (v) => v.sync.revision === fixture.first);
    const second = await fixture.push(2);
    expect((await post(`/api/syncs/${ns.name}/app/reconcile`)).status).toBe(200);
    const got = await stream.next<SyncDetail>('the second revision', (v) => v.sync.revision === second && v.sync.subject === 'revision 2', 60_000);
    expect(got.view.history.map((h) => h.revision)).toEqual([second, fixture.first]);
    stream.close();
    answers.push(...stream.raw);
  });

  it('takes actions with the token: suspend, resume, rollback to a history entry, unpin', async () => {
    const base = `/api/syncs/${ns.name}/app`;
    let a = await post(`${base}/suspend`);
    expect(a.status).toBe(200);
    expect((await getSync())?.spec.suspend).toBe(true);
    a = await post(`${base}/resume`);
    expect(JSON.parse(a.body)).toMatchObject({ ok: true });
    expect((await getSync())?.spec.suspend).toBe(false);
    a = await post(`${base}/rollback`, { revision: fixture.first.slice(0, 10) });
    expect(JSON.parse(a.body)).toMatchObject({ ok: true, message: expect.stringContaining(fixture.first) });
    await eventually('the rollback to be applied', async () => {
      const s = await getSync();
      return s?.spec.revision === fixture.first && s.status?.lastAppliedRevision === fixture.first && condition(s, 'Ready')?.status === 'True';
    }, 60_000);
    a = await post(`${base}/rollback`, { revision: 'not-a-sha' });
    expect(a.status).toBe(400);
    a = await post(`${base}/unpin`);
    expect(a.status).toBe(200);
    expect((await getSync())?.spec.revision).toBeUndefined();
    expect((await post(`/api/syncs/${ns.name}/nope/suspend`)).status).toBe(404);
    expect((await post(`${base}/explode`)).status).toBe(404);
  });

  it('shows a Stalled Sync with its reason and the message naming the file', async () => {
    const stream = new ViewStream(`${dash.origin}/api/stream?view=syncs`, auth());
    const bad = await fixture.repo.commit('broken yaml', { 'dist/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [\n' });
    expect((await post(`/api/syncs/${ns.name}/app/reconcile`)).status).toBe(200);
    const got = await stream.next<SyncSummary[]>('a Stalled Sync', (v) => v.some((s) => s.name === 'app' && s.namespace === ns.name && s.stalled?.status === 'True'), 60_000);
    const s = got.view.find((x) => x.name === 'app' && x.namespace === ns.name)!;
    expect(s.attempted).toBe(bad);
    expect(s.revision).not.toBe(bad);
    expect(s.ready).toMatchObject({ status: 'False', reason: 'ValidationFailed' });
    expect(s.ready?.message).toContain('dist/config.yaml');
    stream.close();
    const good = await fixture.push(3);
    expect((await post(`/api/syncs/${ns.name}/app/reconcile`)).status).toBe(200);
    await eventually('the next good commit to be applied', async () => (await getSync())?.status?.lastAppliedRevision === good, 60_000);
  });

  it('refuses every action with 403 under --read-only, and changes nothing', async () => {
    const before = await getSync();
    for (const action of ['reconcile', 'suspend', 'resume', 'rollback', 'unpin']) {
      const a = await post(`/api/syncs/${ns.name}/app/${action}`, { revision: fixture.first }, readOnly);
      expect(a.status, action).toBe(403);
      expect(JSON.parse(a.body).message).toContain('--read-only');
    }
    const after = await getSync();
    expect(after?.spec).toEqual(before?.spec);
    expect(after?.metadata.annotations).toEqual(before?.metadata.annotations);
    expect(JSON.parse((await get('/api/info', readOnly)).body)).toMatchObject({ readOnly: true });
    expect((await get('/api/syncs', readOnly)).status).toBe(200);
  });

  it('never sends a Secret\'s value: not in the object view, its stream, its last-applied annotation, the tree, or anything else', async () => {
    const b64 = Buffer.from(SECRET_VALUE).toString('base64');
    await ns.client.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hand-made', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ stringData: { password: SECRET_VALUE } }) } },
      stringData: { password: SECRET_VALUE },
    });
    const live = await ns.client.get<KubeObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name, name: 'db' });
    expect(live?.data?.['password']).toBe(b64); // the cluster does hold it
    for (const name of ['db', 'hand-made']) {
      const d = JSON.parse((await get(objectPath('v1', 'Secret', name))).body) as ObjectDetail;
      expect(d.yaml).toContain('password: "***"');
      const stream = new ViewStream(`${dash.origin}/api/stream?${new URLSearchParams({ view: 'object', apiVersion: 'v1', kind: 'Secret', namespace: ns.name, name })}`, auth());
      await stream.next<ObjectDetail>('the Secret', (v) => v.object.name === name);
      stream.close();
      answers.push(...stream.raw);
    }
    await get(`/api/syncs/${ns.name}/app`);
    await get('/api/syncs');
    expect(answers.length).toBeGreaterThan(20);
    for (const body of answers) {
      for (const value of [SECRET_VALUE, OTHER_VALUE]) {
        expect(body).not.toContain(value);
        expect(body).not.toContain(Buffer.from(value).toString('base64'));
      }
    }
  });
});
