import { ItemBackoff } from './backoff.js';

/** Priority of a queued key: `low` keys (from an informer's initial list) wait behind every `normal` key. */
export type Priority = 'normal' | 'low';

/** What a work queue reports to metrics; every method is optional to implement. */
export interface QueueMetrics {
  /** A key was added (not counted when it was already waiting). */
  added?(): void;
  /** The number of keys waiting changed. */
  depth?(depth: number): void;
  /** A key waited `seconds` between its add and a worker taking it. */
  queued?(seconds: number): void;
  /** A worker held a key for `seconds`. */
  worked?(seconds: number): void;
  /** A key was put back after a failure. */
  retried?(): void;
}

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Per-key backoff used by {@link WorkQueue.addRateLimited}; default 5 ms up to 1000 s. */
  backoff?: ItemBackoff;
  metrics?: QueueMetrics;
}

/**
 * A work queue with the guarantees controllers rely on (client-go's dirty/processing design):
 * - a key waiting in the queue is stored once however often it is added;
 * - a key is never handed to two workers at once: added while a worker holds it, it is marked
 *   dirty and queued again when that worker calls {@link done};
 * - `low` keys are handed out only when no `normal` key waits; adding a waiting `low` key as
 *   `normal` promotes it;
 * - {@link addAfter} delays a key, {@link addRateLimited} delays it by its own exponential backoff;
 * - after {@link shutDown} nothing is added or handed out, and {@link drain} waits for the keys
 *   workers still hold.
 */
export class WorkQueue {
  private readonly normal = new Set<string>();
  private readonly low = new Set<string>();
  /** Keys that need processing, with the priority they will be queued at. */
  private readonly dirty = new Map<string, Priority>();
  /** Keys held by a worker, with the time it took them. */
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly waiting = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly idle: (() => void)[] = [];
  private shuttingDown = false;
  private dispatchScheduled = false;
  private readonly backoff: ItemBackoff;
  private readonly metrics: QueueMetrics;

  constructor(options: WorkQueueOptions = {}) {
    this.backoff = options.backoff ?? new ItemBackoff();
    this.metrics = options.metrics ?? {};
  }

  /** Number of keys waiting to be handed out (not counting delayed ones or ones being processed). */
  get length(): number {
    return this.normal.size + this.low.size;
  }

  /** Number of keys held by workers right now. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Number of keys waiting for an {@link addAfter} delay. */
  get delayed(): number {
    return this.waiting.size;
  }

  /** Whether {@link shutDown} was called. */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Queues `key` unless it already waits; see the class comment for priorities. */
  add(key: string, priority: Priority = 'normal'): void {
    if (this.shuttingDown) return;
    const current = this.dirty.get(key);
    if (current !== undefined) {
      if (current === 'low' && priority === 'normal') {
        this.dirty.set(key, 'normal');
        if (this.low.delete(key)) this.normal.add(key);
      }
      return;
    }
    this.metrics.added?.();
    this.dirty.set(key, priority);
    this.addedAt.set(key, Date.now());
    if (this.processing.has(key)) return;
    this.enqueue(key, priority);
  }

  /** Queues `key` after `ms`; when it is already delayed, the earlier of the two times wins. */
  addAfter(key: string, ms: number, priority: Priority = 'normal'): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key, priority);
    const at = Date.now() + ms;
    const existing = this.waiting.get(key);
    if (existing) {
      if (existing.at <= at) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key, priority);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Queues `key` after its backoff delay, and counts one more failure for it. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.metrics.retried?.();
    this.addAfter(key, this.backoff.when(key));
  }

  /** Resets the backoff of `key` (it succeeded, or it should not be retried). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** How many failures in a row `key` has had. */
  numRequeues(key: string): number {
    return this.backoff.numRequeues(key);
  }

  /**
   * The next key to process, waiting until one is queued. Resolves `undefined` once the queue is
   * shut down. The caller must call {@link done} with the key when finished.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.length > 0) return Promise.resolve(this.pop());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `key` finished; when it was added again meanwhile, it is queued again now. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    this.metrics.worked?.((Date.now() - started) / 1000);
    const again = this.dirty.get(key);
    if (again !== undefined && !this.shuttingDown) this.enqueue(key, again);
    if (this.processing.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /**
   * Stops the queue: adds are ignored, delayed keys dropped, waiting and future `get` calls resolve
   * `undefined`. Keys already held by workers stay held until their `done`; see {@link drain}.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    this.normal.clear();
    this.low.clear();
    this.dirty.clear();
    this.addedAt.clear();
    this.metrics.depth?.(0);
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  /** Resolves once no worker holds a key; `false` if `timeoutMs` passed first. */
  drain(timeoutMs = Infinity): Promise<boolean> {
    if (this.processing.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : undefined;
      this.idle.push(() => {
        if (timer) clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private enqueue(key: string, priority: Priority): void {
    (priority === 'low' ? this.low : this.normal).add(key);
    this.metrics.depth?.(this.length);
    // Hand keys to waiting workers only after the current burst of adds (one watch chunk, one
    // event's old and new owners) has run, so repeated adds of a key in that burst still merge.
    if (!this.dispatchScheduled && this.getters.length > 0) {
      this.dispatchScheduled = true;
      queueMicrotask(() => {
        this.dispatchScheduled = false;
        while (this.getters.length > 0 && this.length > 0) this.getters.shift()!(this.pop());
      });
    }
  }

  private pop(): string {
    const from = this.normal.size > 0 ? this.normal : this.low;
    const key = from.values().next().value as string;
    from.delete(key);
    this.dirty.delete(key);
    const now = Date.now();
    const addedAt = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (addedAt !== undefined) this.metrics.queued?.((now - addedAt) / 1000);
    this.processing.set(key, now);
    this.metrics.depth?.(this.length);
    return key;
  }
}
