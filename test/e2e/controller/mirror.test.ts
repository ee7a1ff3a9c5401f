import { describe, expect, it } from 'vitest';
import { Kinds, refOf, type Condition } from '../../../src/controller/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { eventually } from '../harness.js';
import { getConfigMap, metricValue, runId, scrape, useMirrorOperator, useNamespaces } from './env.js';
import { FINALIZER, mirror, MirrorKind, type Mirror } from './mirror.js';

const run = runId();
const src = `ctrl-mirror-${run}-src`;
const t1 = `ctrl-mirror-${run}-t1`;
const t2 = `ctrl-mirror-${run}-t2`;
const reconciles: { name: string; at: number }[] = [];
const cleanups: { name: string; present: boolean; deleting: boolean; finalizers: string[] }[] = [];

const { manager, client } = useMirrorOperator(run, src, {
  onReconcile: (req) => {
    reconciles.push({ name: req.name, at: Date.now() });
  },
  onCleanup: async (m) => {
    await new Promise((r) => setTimeout(r, 500));
    const live = await client.get<Mirror>(refOf(MirrorKind, undefined, m.metadata.name));
    cleanups.push({ name: m.metadata.name!, present: !!live, deleting: !!live?.metadata.deletionTimestamp, finalizers: live?.metadata.finalizers ?? [] });
  },
});
useNamespaces(client, [src, t1, t2]);

const mirrorRef = (name: string) => refOf(MirrorKind, undefined, name);
const getMirror = (name: string) => client.get<Mirror>(mirrorRef(name));
const createSource = (name: string, data: Record<string, string>) => client.create(refOf(Kinds.ConfigMap, src), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const ready = (m: Mirror | undefined): Condition | undefined => (m?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');

describe('the mirror operator on a real cluster', () => {
  it('reconciles on create, update and delete', async () => {
    const name = `ctrl-e2e-${run}-crud`;
    await createSource('settings', { color: 'blue' });
    await client.create(refOf(MirrorKind), mirror(name, run, { source: { namespace: src, name: 'settings' }, targets: [t1, t2] }));

    const copy = await eventually('copies in both targets', async () => {
      const [a, b] = await Promise.all([getConfigMap(client, t1, 'settings'), getConfigMap(client, t2, 'settings')]);
      return a?.data?.color === 'blue' && b?.data?.color === 'blue' && a;
    }, 30_000);
    const owner = copy.metadata.ownerReferences?.[0];
    expect(owner).toMatchObject({ kind: 'ConfigMapMirror', name, controller: true, blockOwnerDeletion: true });
    expect((await getMirror(name))?.metadata.finalizers).toContain(FINALIZER);
    const managers = (copy.metadata.managedFields as { manager: string; operation: string }[]).filter((f) => f.operation === 'Apply').map((f) => f.manager);
    expect(managers).toEqual([manager.fieldManager]);

    // Update of the watched source.
    await client.patch(refOf(Kinds.ConfigMap, src, 'settings'), 'merge', { data: { color: 'green' } });
    await eventually('copies follow the source', async () => (await getConfigMap(client, t2, 'settings'))?.data?.color === 'green', 30_000);

    // Update of the mirror itself: drop a target.
    await client.patch(mirrorRef(name), 'merge', { spec: { targets: [t1] } });
    await eventually('copy in the dropped target removed', async () => (await getConfigMap(client, t2, 'settings')) === undefined, 30_000);
    expect((await getConfigMap(client, t1, 'settings'))?.data?.color).toBe('green');

    // Delete.
    await client.delete(mirrorRef(name));
    await eventually('mirror and its copies gone', async () => !(await getMirror(name)) && !(await getConfigMap(client, t1, 'settings')), 30_000);
  });

  it('recreates an owned child that is deleted', async () => {
    const name = `ctrl-e2e-${run}-child`;
    await createSource('child-src', { k: 'v' });
    await client.create(refOf(MirrorKind), mirror(name, run, { source: { namespace: src, name: 'child-src' }, targets: [t1] }));
    const first = await eventually('copy created', () => getConfigMap(client, t1, 'child-src'), 30_000);
    const before = reconciles.filter((r) => r.name === name).length;
    await client.delete(refOf(Kinds.ConfigMap, t1, 'child-src'));
    const again = await eventually('copy recreated', async () => {
      const c = await getConfigMap(client, t1, 'child-src');
      return c && c.metadata.uid !== first.metadata.uid && c;
    }, 30_000);
    expect(again.data).toEqual({ k: 'v' });
    expect(reconciles.filter((r) => r.name === name).length).toBeGreaterThan(before);
  });

  it('runs finalizer cleanup while the object still exists, then lets it go', async () => {
    const name = `ctrl-e2e-${run}-fin`;
    await createSource('fin-src', { k: 'v' });
    await client.create(refOf(MirrorKind), mirror(name, run, { source: { namespace: src, name: 'fin-src' }, targets: [t1, t2] }));
    await eventually('copies created', async () => (await getConfigMap(client, t2, 'fin-src')) !== undefined, 30_000);
    await client.delete(mirrorRef(name));
    // Copies carry owner references, but the finalizer holds the mirror until the operator removed them itself.
    await eventually('mirror gone', async () => !(await getMirror(name)), 30_000);
    expect(cleanups.filter((c) => c.name === name)).toEqual([{ name, present: true, deleting: true, finalizers: [FINALIZER] }]);
    expect(await getConfigMap(client, t1, 'fin-src')).toBeUndefined();
    expect(await getConfigMap(client, t2, 'fin-src')).toBeUndefined();
    const events = await client.list(refOf(Kinds.Event, 'default'), { fieldSelector: `regarding.name=${name}` });
    expect(events.items.map((e) => (e as KubeObject & { reason: string }).reason).sort()).toEqual(['CopiesRemoved', 'Mirrored']);
    expect(events.items[0]).toMatchObject({ reportingController: `capstan.dev/${manager.name}`, regarding: { kind: 'ConfigMapMirror', name } });
  });

  it('writes status conditions with observedGeneration through the status subresource', async () => {
    const name = `ctrl-e2e-${run}-status`;
    await createSource('status-src', { k: 'v' });
    await client.create(refOf(MirrorKind), mirror(name, run, { source: { namespace: src, name: 'status-src' }, targets: [t1] }));
    const first = await eventually('Ready', async () => {
      const m = await getMirror(name);
      return ready(m)?.status === 'True' && m;
    }, 30_000);
    expect(first.status?.observedGeneration).toBe(first.metadata.generation);
    expect(ready(first)).toMatchObject({ reason: 'Mirrored', observedGeneration: first.metadata.generation });

    await client.patch(mirrorRef(name), 'merge', { spec: { targets: [t1, t2] } });
    const second = await eventually('observedGeneration follows the new generation', async () => {
      const m = await getMirror(name);
      return m && m.metadata.generation! > first.metadata.generation! && ready(m)?.observedGeneration === m.metadata.generation && m;
    }, 30_000);
    expect(second.status).toMatchObject({ copies: 2, observedGeneration: second.metadata.generation });
    // Still True: the transition time stays.
    expect(ready(second)?.lastTransitionTime).toBe(ready(first)?.lastTransitionTime);
  });

  it('backs off a failing reconcile exponentially and recovers when the cause is fixed', async () => {
    const name = `ctrl-e2e-${run}-backoff`;
    const startedAt = Date.now();
    await client.create(refOf(MirrorKind), mirror(name, run, { source: { namespace: src, name: 'late-src' }, targets: [t1] }));
    await eventually('8 failed attempts', async () => reconciles.filter((r) => r.name === name && r.at >= startedAt).length >= 9, 30_000);
    const m = await getMirror(name);
    expect(ready(m)).toMatchObject({ status: 'False', reason: 'SourceMissing' });
    // Attempts after the finalizer was added fail; their gaps grow as 5 ms · 2ⁿ (plus request time).
    const at = reconciles.filter((r) => r.name === name).map((r) => r.at);
    const gaps = at.slice(2).map((t, i) => t - at[i + 1]!);
    for (let i = 3; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(5 * 2 ** i * 0.9);
    const metrics = (await scrape(manager)).text;
    expect(metricValue(metrics, 'controller_runtime_reconcile_errors_total', { controller: 'configmapmirror' })).toBeGreaterThanOrEqual(7);
    expect(metricValue(metrics, 'workqueue_retries_total', { name: 'configmapmirror' })).toBeGreaterThanOrEqual(7);

    await createSource('late-src', { k: 'v' });
    await eventually('Ready once the source exists', async () => ready(await getMirror(name))?.status === 'True', 30_000);
  });

  it('reconciles again after requeueAfter without any event', async () => {
    const name = `ctrl-e2e-${run}-requeue`;
    await createSource('requeue-src', { k: 'v' });
    await client.create(refOf(MirrorKind), mirror(name, run, { source: { namespace: src, name: 'requeue-src' }, targets: [t1], requeueAfterSeconds: 1 }));
    await eventually('Ready', async () => ready(await getMirror(name))?.status === 'True', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 4200));
    const times = reconciles.filter((r) => r.name === name && r.at >= from).map((r) => r.at);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(950);
    expect(metricValue((await scrape(manager)).text, 'controller_runtime_reconcile_total', { controller: 'configmapmirror', result: 'requeue_after' })).toBeGreaterThanOrEqual(3);
  });

  it('serves /metrics with controller-runtime names, /healthz and /readyz', async () => {
    const { status, text } = await scrape(manager);
    expect(status).toBe(200);
    for (const name of ['controller_runtime_reconcile_total', 'controller_runtime_reconcile_errors_total', 'controller_runtime_reconcile_time_seconds_bucket', 'workqueue_depth', 'workqueue_adds_total', 'workqueue_queue_duration_seconds_bucket', 'workqueue_retries_total', 'process_resident_memory_bytes']) {
      expect(text).toMatch(new RegExp(`^${name}`, 'm'));
    }
    expect(metricValue(text, 'controller_runtime_reconcile_total', { controller: 'configmapmirror', result: 'success' })).toBeGreaterThan(0);
    expect(await scrape(manager, '/healthz')).toEqual({ status: 200, text: 'ok\n' });
    expect(await scrape(manager, '/readyz')).toEqual({ status: 200, text: 'ok\n' });
  });
});
