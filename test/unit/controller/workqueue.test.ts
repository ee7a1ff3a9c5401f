import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../../src/controller/workqueue.js';
import { ItemBackoff } from '../../../src/controller/backoff.js';

describe('ItemBackoff', () => {
  it('doubles from 5 ms per failure of the same key and caps at 1000 s', () => {
    const b = new ItemBackoff();
    const delays = Array.from({ length: 8 }, () => b.when('a'));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640]);
    for (let i = 0; i < 40; i++) b.when('a');
    expect(b.when('a')).toBe(1_000_000);
    expect(b.when('b')).toBe(5);
    b.forget('a');
    expect(b.when('a')).toBe(5);
    expect(b.numRequeues('a')).toBe(1);
  });
});

describe('WorkQueue', () => {
  it('stores a waiting key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands a key to two workers: a key added while held is queued again on done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    expect(key).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await new Promise((r) => setTimeout(r, 0));
    expect(second).toBeUndefined();
    q.done('a');
    await new Promise((r) => setTimeout(r, 0));
    expect(second).toBe('a');
    expect(q.length).toBe(0);
  });

  it('with many concurrent workers, no key is ever processed twice at the same time', async () => {
    const q = new WorkQueue();
    const active = new Set<string>();
    let overlaps = 0;
    let processed = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await q.get();
        if (key === undefined) return;
        if (active.has(key)) overlaps++;
        active.add(key);
        await new Promise((r) => setTimeout(r, Math.random() * 2));
        active.delete(key);
        processed++;
        q.done(key);
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    for (let i = 0; i < 400; i++) {
      q.add(`k${i % 5}`);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    while (q.length > 0 || q.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    q.shutDown();
    await Promise.all(workers);
    expect(overlaps).toBe(0);
    expect(processed).toBeGreaterThanOrEqual(5);
    expect(processed).toBeLessThan(400);
  });

  it('hands out low-priority keys only when no normal key waits, and promotes a low key added as normal', async () => {
    const q = new WorkQueue();
    q.add('init-1', 'low');
    q.add('init-2', 'low');
    q.add('init-3', 'low');
    q.add('event-1');
    q.add('init-3');
    const order = [];
    for (let i = 0; i < 4; i++) {
      const k = (await q.get())!;
      order.push(k);
      q.done(k);
    }
    expect(order).toEqual(['event-1', 'init-3', 'init-1', 'init-2']);
  });

  it('merges adds of one key made in the same tick even when a worker is waiting', async () => {
    const q = new WorkQueue();
    const got: string[] = [];
    const worker = (async () => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        got.push(k);
        q.done(k);
      }
    })();
    await new Promise((r) => setTimeout(r, 0));
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    await new Promise((r) => setTimeout(r, 5));
    q.shutDown();
    await worker;
    expect(got).toEqual(['a', 'b']);
  });

  it('keeps a normal key normal when it is added again as low', async () => {
    const q = new WorkQueue();
    q.add('x', 'low');
    q.add('a');
    q.add('a', 'low');
    expect(await q.get()).toBe('a');
  });

  describe('with fake timers', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('addAfter queues the key after the delay, and the earlier of two delays wins', async () => {
      const q = new WorkQueue();
      q.addAfter('a', 1000);
      q.addAfter('a', 300);
      q.addAfter('a', 5000);
      expect(q.delayed).toBe(1);
      vi.advanceTimersByTime(299);
      expect(q.length).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.length).toBe(1);
      expect(q.delayed).toBe(0);
      vi.advanceTimersByTime(10_000);
      expect(q.length).toBe(1);
    });

    it('addRateLimited delays a failing key exponentially, and forget resets it', async () => {
      const retried: number[] = [];
      const q = new WorkQueue({ metrics: { retried: () => retried.push(1) } });
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) {
        q.addRateLimited('a');
        let waited = 0;
        while (q.length === 0 && waited < 10_000) {
          vi.advanceTimersByTime(1);
          waited++;
        }
        delays.push(waited);
        const k = await q.get();
        q.done(k!);
      }
      expect(delays).toEqual([5, 10, 20, 40, 80]);
      expect(q.numRequeues('a')).toBe(5);
      expect(retried.length).toBe(5);
      q.forget('a');
      expect(q.numRequeues('a')).toBe(0);
    });

    it('reports depth, adds and queue latency to its metrics', async () => {
      const seen = { added: 0, depth: [] as number[], queued: [] as number[], worked: [] as number[] };
      const q = new WorkQueue({
        metrics: {
          added: () => seen.added++,
          depth: (d) => seen.depth.push(d),
          queued: (s) => seen.queued.push(s),
          worked: (s) => seen.worked.push(s),
        },
      });
      q.add('a');
      q.add('a');
      q.add('b');
      vi.advanceTimersByTime(250);
      const k = (await q.get())!;
      vi.advanceTimersByTime(100);
      q.done(k);
      expect(seen.added).toBe(2);
      expect(seen.depth).toEqual([1, 2, 1]);
      expect(seen.queued).toEqual([0.25]);
      expect(seen.worked).toEqual([0.1]);
    });
  });

  it('after shutDown, get resolves undefined, adds are ignored and drain waits for held keys', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    const held = (await q.get())!;
    const waiter = q.get();
    q.addAfter('c', 10);
    q.shutDown();
    q.add('d');
    expect(await q.get()).toBeUndefined();
    expect(await waiter).toBe('b');
    expect(q.delayed).toBe(0);
    let drained = false;
    const d = q.drain().then((ok) => (drained = ok));
    await new Promise((r) => setTimeout(r, 5));
    expect(drained).toBe(false);
    q.done(held);
    await new Promise((r) => setTimeout(r, 5));
    expect(drained).toBe(false);
    q.done('b');
    await d;
    expect(drained).toBe(true);
  });

  it('drain gives up after its timeout', async () => {
    const q = new WorkQueue();
    q.add('a');
    await q.get();
    q.shutDown();
    expect(await q.drain(20)).toBe(false);
  });
});
