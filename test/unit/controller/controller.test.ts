import { afterEach, describe, expect, it } from 'vitest';
import { Controller, defineKind, EventRecorder, jsonLogger, Kinds, RuntimeMetrics, SharedInformers, type ControllerSpec, type Reconciler } from '../../../src/controller/index.js';
import type { KubeClient, KubeObject } from '../../../src/k8s/index.js';
import { FakeListWatch, until } from './fake-listwatch.js';

const Widget = defineKind('example.dev/v1', 'Widget');
const widget = (name: string, rv = '1'): KubeObject => ({ apiVersion: 'example.dev/v1', kind: 'Widget', metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv } });
const child = (name: string, owner: string, rv = '1'): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv, ownerReferences: [{ apiVersion: 'example.dev/v1', kind: 'Widget', name: owner, uid: `uid-${owner}`, controller: true }] },
});

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

/** A controller over scripted list/watch sources: no API server, only the controller's own logic. */
function setup(reconcile: Reconciler, options: Partial<ControllerSpec> = {}, client = {} as KubeClient) {
  const sources = new Map<string, FakeListWatch>();
  sources.set('widgets', new FakeListWatch([widget('a'), widget('b')], '10'));
  sources.set('configmaps', new FakeListWatch([], '10'));
  const informers = new SharedInformers(client, { retry: { initialMs: 5, maxMs: 20 } }, (kind) => sources.get(kind.resource)!);
  const metrics = new RuntimeMetrics({ processMetrics: false });
  const c = new Controller({ name: 'widgets', for: { kind: Widget }, owns: [{ kind: Kinds.ConfigMap }], watches: [], reconcile, ...options }, {
    client, informers, metrics, logger: jsonLogger('silent'), fieldManager: 'capstan-test', events: new EventRecorder(client, 'capstan.dev/test', 'test'),
  });
  stops.push(() => c.stop(1000), () => informers.stop());
  return { c, sources, metrics, informers };
}

describe('Controller', () => {
  it('reconciles every object of the initial list and passes the cached object', async () => {
    const seen: string[] = [];
    const { c } = setup((req, ctx) => {
      seen.push(`${req.namespace}/${req.name}:${ctx.object?.metadata.uid}`);
    });
    await c.start();
    await until(() => seen.length === 2);
    expect(seen.sort()).toEqual(['ns/a:uid-a', 'ns/b:uid-b']);
  });

  it('retries thrown errors and rejected promises with backoff, without crashing', async () => {
    const attempts: Record<string, number[]> = { a: [], b: [] };
    const { c, metrics } = setup((req) => {
      const list = attempts[req.name]!;
      list.push(Date.now());
      if (list.length < 5) {
        if (req.name === 'a') throw new Error('sync failure');
        return Promise.reject(new Error('async failure'));
      }
    });
    await c.start();
    await until(() => attempts.a!.length === 5 && attempts.b!.length === 5, 5000);
    const gaps = attempts.a!.slice(1).map((t, i) => t - attempts.a![i]!);
    expect(gaps[3]!).toBeGreaterThanOrEqual(35); // 5, 10, 20, 40 ms
    expect(c.queue.numRequeues('ns/a')).toBe(0); // success forgot the failures
    const errors = await metrics.reconcileErrors.get();
    expect(errors.values[0]!.value).toBe(8);
  });

  it('never runs more than maxConcurrentReconciles at once, nor one key twice at once', async () => {
    let active = 0;
    let peak = 0;
    const activeKeys = new Set<string>();
    let overlap = false;
    const { c, sources } = setup(async (req) => {
      if (activeKeys.has(req.name)) overlap = true;
      activeKeys.add(req.name);
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 10));
      active--;
      activeKeys.delete(req.name);
    }, { maxConcurrentReconciles: 3 });
    sources.get('widgets')!.items = Array.from({ length: 20 }, (_, i) => widget(`w${i}`));
    await c.start();
    const lw = sources.get('widgets')!;
    await until(() => lw.watches.length === 1);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) lw.lastWatch.send({ type: 'MODIFIED', object: widget(`w${i}`, String(100 + round * 20 + i)) });
      await new Promise((r) => setTimeout(r, 15));
    }
    await until(() => c.queue.length === 0 && c.queue.inFlight === 0, 5000);
    expect(peak).toBe(3);
    expect(overlap).toBe(false);
  });

  it('maps an owned child event to its controlling owner and ignores children of other kinds', async () => {
    const seen: string[] = [];
    const { c, sources } = setup((req) => {
      seen.push(req.name);
    });
    await c.start();
    await until(() => seen.length === 2);
    const cms = sources.get('configmaps')!;
    await until(() => cms.watches.length === 1);
    cms.lastWatch.send({ type: 'DELETED', object: child('a-copy', 'a') });
    cms.lastWatch.send({ type: 'ADDED', object: child('a-copy', 'a', '2') });
    cms.lastWatch.send({ type: 'ADDED', object: { ...child('x', 'zzz', '3'), metadata: { ...child('x', 'zzz').metadata, resourceVersion: '3', ownerReferences: [{ apiVersion: 'other.dev/v1', kind: 'Widget', name: 'zzz', uid: 'u', controller: true }] } } });
    await until(() => seen.length >= 3);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.slice(2)).toEqual(['a']);
  });

  it('requeueAfter reconciles again after the delay and stop waits for the reconcile in flight', async () => {
    const times: number[] = [];
    let finished = 0;
    const { c } = setup(async (req) => {
      if (req.name !== 'a') return;
      times.push(Date.now());
      await new Promise((r) => setTimeout(r, 30));
      finished++;
      return { requeueAfter: 50 };
    });
    await c.start();
    await until(() => times.length === 3, 2000);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(75);
    await until(() => times.length === 4 && finished === 3, 2000);
    expect(await c.stop(1000)).toBe(true);
    expect(finished).toBe(4);
  });

  it('ignores status-only updates of the for kind unless asked, and reacts to spec and metadata changes', async () => {
    const seen: string[] = [];
    const { c, sources } = setup((req) => {
      seen.push(req.name);
    });
    await c.start();
    await until(() => seen.length === 2);
    const lw = sources.get('widgets')!;
    await until(() => lw.watches.length === 1);
    const a = (rv: string, generation: number, extra: Partial<KubeObject['metadata']> = {}, status = {}): KubeObject => ({ ...widget('a', rv), metadata: { ...widget('a', rv).metadata, generation, ...extra }, status });
    lw.lastWatch.send({ type: 'MODIFIED', object: a('11', 1) });
    await until(() => seen.length === 3);
    lw.lastWatch.send({ type: 'MODIFIED', object: a('12', 1, {}, { ready: true }) });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.length).toBe(3);
    lw.lastWatch.send({ type: 'MODIFIED', object: a('13', 2, {}, { ready: true }) });
    await until(() => seen.length === 4);
    lw.lastWatch.send({ type: 'MODIFIED', object: a('14', 2, { finalizers: ['x'] }, { ready: true }) });
    await until(() => seen.length === 5);
  });

  it('skips a server-side apply that cannot change anything, and applies again after someone else changed the child', async () => {
    const applies: string[] = [];
    let rv = 100;
    const client = {
      apply: async (_ref: unknown, body: KubeObject) => {
        applies.push(String(body.data && (body.data as Record<string, string>).v));
        return { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      },
    } as unknown as KubeClient;
    let value = '1';
    const { c, sources } = setup(async (req, ctx) => {
      if (req.name !== 'a') return;
      await ctx.apply(Kinds.ConfigMap, { metadata: { name: 'a-copy' }, data: { v: value } });
    }, {}, client);
    await c.start();
    await until(() => applies.length >= 1);
    expect(applies).toEqual(['1']);
    const cms = sources.get('configmaps')!;
    await until(() => cms.watches.length === 1);
    // Our own apply comes back through the watch: the reconcile it triggers must not write again.
    cms.lastWatch.send({ type: 'ADDED', object: { ...child('a-copy', 'a', '101'), data: { v: '1' } } });
    await until(() => c.queue.inFlight === 0 && c.queue.length === 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(applies).toEqual(['1']);
    // Someone else edits the child: the reconcile applies again, once the echo of that apply is seen no more writes follow.
    cms.lastWatch.send({ type: 'MODIFIED', object: { ...child('a-copy', 'a', '150'), data: { v: 'tampered' } } });
    await until(() => applies.length === 2);
    cms.lastWatch.send({ type: 'MODIFIED', object: { ...child('a-copy', 'a', String(rv)), data: { v: '1' } } });
    await until(() => c.queue.inFlight === 0 && c.queue.length === 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(applies).toEqual(['1', '1']);
    // The desired state changes: applied again.
    value = '2';
    cms.lastWatch.send({ type: 'MODIFIED', object: { ...child('a-copy', 'a', '200'), data: { v: '1' } } });
    await until(() => applies.length === 3);
    expect(applies).toEqual(['1', '1', '2']);
  });
});
