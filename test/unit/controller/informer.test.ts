import { afterEach, describe, expect, it } from 'vitest';
import { Informer, type InformerHandler } from '../../../src/controller/index.js';
import { ApiError } from '../../../src/k8s/index.js';
import { cm, FakeListWatch, until } from './fake-listwatch.js';

const running: Informer[] = [];
function informer(lw: FakeListWatch, options: ConstructorParameters<typeof Informer>[1] = {}): Informer {
  const i = new Informer(lw, { retry: { initialMs: 5, maxMs: 20 }, ...options });
  running.push(i);
  return i;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
});

function recorder(): { events: string[]; handler: InformerHandler } {
  const events: string[] = [];
  return {
    events,
    handler: {
      onAdd: (o, initial) => events.push(`add ${o.metadata.name}${initial ? ' initial' : ''}`),
      onUpdate: (_, o) => events.push(`update ${o.metadata.name} ${o.metadata.resourceVersion}`),
      onDelete: (o) => events.push(`delete ${o.metadata.name}`),
    },
  };
}

describe('Informer', () => {
  it('lists, marks initial adds, syncs, then watches from the list resourceVersion with bookmarks', async () => {
    const lw = new FakeListWatch([cm('a', '5'), cm('b', '6')], '10');
    const inf = informer(lw);
    const { events, handler } = recorder();
    inf.addHandler(handler);
    inf.start();
    expect(await inf.waitForSync(1000)).toBe(true);
    expect(events).toEqual(['add a initial', 'add b initial']);
    await until(() => lw.watches.length === 1);
    expect(lw.lastWatch.options.resourceVersion).toBe('10');
    expect(lw.lastWatch.options.allowWatchBookmarks).toBe(true);
    lw.lastWatch.send({ type: 'ADDED', object: cm('c', '11') });
    lw.lastWatch.send({ type: 'MODIFIED', object: cm('a', '12') });
    lw.lastWatch.send({ type: 'DELETED', object: cm('b', '13') });
    lw.lastWatch.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } });
    expect(events.slice(2)).toEqual(['add c', 'update a 12', 'delete b']);
    expect(inf.resourceVersion).toBe('20');
    expect(inf.store.list().map((o) => o.metadata.name).sort()).toEqual(['a', 'c']);
  });

  it('strips managedFields by default and keeps them when asked', async () => {
    const lw = new FakeListWatch([cm('a', '1')], '1');
    const strip = informer(lw);
    strip.start();
    await strip.waitForSync();
    expect(strip.store.getByName('ns1', 'a')!.metadata.managedFields).toBeUndefined();
    const keep = informer(new FakeListWatch([cm('a', '1')], '1'), { stripManagedFields: false });
    keep.start();
    await keep.waitForSync();
    expect(keep.store.getByName('ns1', 'a')!.metadata.managedFields).toHaveLength(1);
  });

  it('resumes from the last resourceVersion after a disconnect, without listing again', async () => {
    const lw = new FakeListWatch([cm('a', '5')], '10');
    const inf = informer(lw);
    inf.start();
    await until(() => lw.watches.length === 1);
    lw.lastWatch.send({ type: 'MODIFIED', object: cm('a', '15') });
    lw.lastWatch.fail(new Error('socket hang up'));
    await until(() => lw.watches.length === 2);
    expect(lw.lastWatch.options.resourceVersion).toBe('15');
    lw.lastWatch.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '30' } } });
    lw.lastWatch.end();
    await until(() => lw.watches.length === 3);
    expect(lw.lastWatch.options.resourceVersion).toBe('30');
    expect(lw.listCalls).toBe(1);
    expect(inf.stats.relistsOnGone).toBe(0);
  });

  it('lists again on a 410 Gone ERROR event and turns the difference into events', async () => {
    const lw = new FakeListWatch([cm('a', '5'), cm('b', '6')], '10');
    const inf = informer(lw);
    const { events, handler } = recorder();
    inf.addHandler(handler);
    inf.start();
    await until(() => lw.watches.length === 1);
    // While the watch was away: a changed, b deleted, c created.
    lw.items = [cm('a', '40'), cm('c', '41')];
    lw.rv = '50';
    lw.lastWatch.send({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 10 (30)' } as never });
    await until(() => lw.watches.length === 2);
    expect(lw.listCalls).toBe(2);
    expect(inf.stats.relistsOnGone).toBe(1);
    expect(lw.lastWatch.options.resourceVersion).toBe('50');
    expect(events.slice(2).sort()).toEqual(['add c', 'delete b', 'update a 40']);
  });

  it('lists again when the watch request itself answers 410', async () => {
    const lw = new FakeListWatch([], '10');
    const inf = informer(lw);
    inf.start();
    await until(() => lw.watches.length === 1);
    lw.lastWatch.fail(new ApiError('GET', '/api/v1/configmaps', 410, { kind: 'Status', code: 410, reason: 'Expired' }, ''));
    await until(() => lw.watches.length === 2);
    expect(lw.listCalls).toBe(2);
  });

  it('restarts a silently stalled watch from its resourceVersion', async () => {
    const lw = new FakeListWatch([cm('a', '5')], '10');
    const inf = informer(lw, { stallTimeoutMs: 50 });
    inf.start();
    await until(() => lw.watches.length === 1);
    await until(() => lw.watches.length === 2, 1000);
    expect(lw.watches[0]!.stopped).toBe(true);
    expect(inf.stats.stalls).toBe(1);
    expect(lw.lastWatch.options.resourceVersion).toBe('10');
    expect(lw.listCalls).toBe(1);
  });

  it('events keep a watch alive past the stall timeout', async () => {
    const lw = new FakeListWatch([], '10');
    const inf = informer(lw, { stallTimeoutMs: 200 });
    inf.start();
    await until(() => lw.watches.length === 1);
    const from = Date.now();
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 30));
      lw.lastWatch.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(20 + i) } } });
    }
    expect(Date.now() - from).toBeGreaterThan(300); // well past the stall timeout
    expect(lw.watches.length).toBe(1);
    expect(inf.stats.stalls).toBe(0);
  });

  it('retries a failing list with backoff until it succeeds', async () => {
    const lw = new FakeListWatch([cm('a', '1')], '1');
    lw.listError = new Error('connection refused');
    const inf = informer(lw);
    inf.start();
    await until(() => lw.listCalls >= 3);
    expect(inf.hasSynced).toBe(false);
    lw.listError = undefined;
    expect(await inf.waitForSync(1000)).toBe(true);
  });

  it('replays the cache to a handler added after sync, and a throwing handler does not stop others', async () => {
    const lw = new FakeListWatch([cm('a', '1')], '1');
    const inf = informer(lw);
    inf.addHandler({ onAdd: () => { throw new Error('boom'); } });
    inf.start();
    await inf.waitForSync();
    const { events, handler } = recorder();
    inf.addHandler(handler);
    expect(events).toEqual(['add a initial']);
    await until(() => lw.watches.length === 1);
    lw.lastWatch.send({ type: 'ADDED', object: cm('b', '2') });
    expect(events).toEqual(['add a initial', 'add b']);
  });

  it('stop ends the watch and the loop', async () => {
    const lw = new FakeListWatch([], '1');
    const inf = informer(lw);
    inf.start();
    await until(() => lw.watches.length === 1);
    await inf.stop();
    expect(lw.lastWatch.stopped).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    expect(lw.watches.length).toBe(1);
  });
});
