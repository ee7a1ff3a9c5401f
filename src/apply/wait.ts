import type { KubeClient } from '../k8s/index.js';
import { fetchLive, type MappedRef } from './fetch.js';
import { computeHealth, type Health } from './health.js';
import { describeRef, keyOf, type ObjectRef } from './objects.js';

/** Live progress of a wait. */
export interface WaitProgress {
  elapsedMs: number;
  total: number;
  /** Objects that reached the goal. */
  done: number;
  /** Objects still pending, and why. */
  pending: { ref: ObjectRef; health: Health }[];
}

/** How long and how to wait. */
export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Poll interval; default 1000 ms. */
  intervalMs?: number;
  /** Stop at the first Failed object instead of waiting for the timeout; default true. */
  failFast?: boolean;
  /** Called after every poll. */
  onProgress?: (progress: WaitProgress) => void;
  /** Aborts the wait. */
  signal?: AbortSignal;
}

/** The result of a wait: final health of every object, and whether the goal was reached. */
export interface WaitResult {
  health: Map<string, Health>;
  ok: boolean;
  /** Why the wait ended early or timed out; absent when ok. */
  reason?: string;
}

/**
 * Polls the objects until every one is Current (goal `current`) or gone (goal `deleted`),
 * a Failed object ends the wait (with failFast), or the timeout passes.
 */
export async function waitFor(client: KubeClient, refs: MappedRef[], goal: 'current' | 'deleted', options: WaitOptions): Promise<WaitResult> {
  const start = Date.now();
  const health = new Map<string, Health>();
  let pending = [...refs];
  const interval = options.intervalMs ?? 1000;
  for (;;) {
    const live = await fetchLive(client, pending);
    const still: MappedRef[] = [];
    let failure: string | undefined;
    for (const r of pending) {
      const h = computeHealth(live.get(keyOf(r.ref)));
      health.set(keyOf(r.ref), h);
      const reached = goal === 'current' ? h.status === 'Current' : h.status === 'NotFound';
      if (!reached) still.push(r);
      if (goal === 'current' && h.status === 'Failed' && (options.failFast ?? true)) failure ??= `${describeRef(r.ref)} failed: ${h.message}`;
    }
    pending = still;
    const elapsedMs = Date.now() - start;
    options.onProgress?.({ elapsedMs, total: refs.length, done: refs.length - pending.length, pending: pending.map((r) => ({ ref: r.ref, health: health.get(keyOf(r.ref))! })) });
    if (pending.length === 0) return { health, ok: true };
    if (failure) return { health, ok: false, reason: failure };
    if (elapsedMs >= options.timeoutMs) {
      const list = pending.slice(0, 10).map((r) => `${describeRef(r.ref)} is ${health.get(keyOf(r.ref))?.status}: ${health.get(keyOf(r.ref))?.message}`);
      const more = pending.length > 10 ? ` and ${pending.length - 10} more` : '';
      return { health, ok: false, reason: `timed out after ${Math.round(options.timeoutMs / 1000)}s; ${pending.length} of ${refs.length} objects not ${goal === 'current' ? 'ready' : 'gone'}: ${list.join('; ')}${more}` };
    }
    if (options.signal?.aborted) return { health, ok: false, reason: 'wait aborted' };
    await sleep(Math.min(interval, Math.max(0, options.timeoutMs - elapsedMs)));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
