import { isGone, type KubeObject, type Status, type WatchEvent, type WatchHandle } from '../k8s/index.js';
import type { ListWatch } from './listwatch.js';
import type { Logger } from './logger.js';
import { jitter, sleep } from './sleep.js';
import { objectKey, Store } from './store.js';

/** Callbacks an informer calls, in event order, after its store has changed. */
export interface InformerHandler<T extends KubeObject = KubeObject> {
  /** `initial` is true for objects of the first list (and for replays to a late handler). */
  onAdd?(obj: T, initial: boolean): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** Options of an {@link Informer}. */
export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** Name used in logs, e.g. `configmaps.v1 in ns1`. */
  name?: string;
  /** Drop `metadata.managedFields` before caching (they are often half of an object). Default true. */
  stripManagedFields?: boolean;
  /** Changes each object before it is cached, e.g. to drop fields the controller never reads. */
  transform?: (obj: T) => T;
  /**
   * A watch that delivers no event and no bookmark for this long is taken as silently stalled and
   * restarted from the last resourceVersion. The API server sends a bookmark about every minute,
   * so keep it above that. Default 150 000 ms.
   */
  stallTimeoutMs?: number;
  /** Server-side watch timeout is drawn from [min, max] seconds so informers do not reconnect in step. Default [300, 600]. */
  watchTimeoutSeconds?: [number, number];
  /** Objects per list page. Default 500. */
  pageSize?: number;
  /** Delay before retrying a failed list or watch: doubles from `initialMs` to `maxMs`. Default 250 ms .. 10 s. */
  retry?: { initialMs?: number; maxMs?: number };
  logger?: Logger;
}

/** Counters of what an informer has done; useful in tests and benchmarks. */
export interface InformerStats {
  lists: number;
  watches: number;
  /** Watches restarted by the watchdog. */
  stalls: number;
  /** Lists caused by 410 Gone / expired resourceVersion. */
  relistsOnGone: number;
  watchErrors: number;
  events: number;
}

type WatchOutcome = { kind: 'ended' | 'stalled' | 'gone' | 'stopped' } | { kind: 'error'; error: unknown };

/**
 * Keeps a {@link Store} equal to the objects on the API server: lists once, then watches from the
 * list's resourceVersion with bookmarks. When a watch ends or fails it resumes from the last
 * resourceVersion it saw, without listing again; it lists again only when the server answers
 * 410 Gone (that resourceVersion is compacted). A watchdog restarts a watch that has gone silent.
 */
export class Informer<T extends KubeObject = KubeObject> {
  /** The cache; read it, never write it. */
  readonly store = new Store<T>();
  /** What the informer has done so far. */
  readonly stats: InformerStats = { lists: 0, watches: 0, stalls: 0, relistsOnGone: 0, watchErrors: 0, events: 0 };
  private readonly handlers = new Set<InformerHandler<T>>();
  private readonly abort = new AbortController();
  private readonly syncWaiters: ((synced: boolean) => void)[] = [];
  private rv: string | undefined;
  private synced = false;
  private running: Promise<void> | undefined;
  private stopWatch: (() => void) | undefined;
  private readonly name: string;

  constructor(
    private readonly lw: ListWatch<T>,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.name = options.name ?? 'informer';
  }

  /** Whether the first list has been stored. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the next watch starts from. */
  get resourceVersion(): string | undefined {
    return this.rv;
  }

  /** Whether {@link start} was called and {@link stop} was not. */
  get isRunning(): boolean {
    return this.running !== undefined && !this.abort.signal.aborted;
  }

  /** Starts listing and watching in the background; calling it again does nothing. */
  start(): void {
    if (this.running || this.abort.signal.aborted) return;
    this.running = this.loop();
  }

  /** Stops the watch and waits for the loop to end. The store keeps its last content. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.stopWatch?.();
    for (const resolve of this.syncWaiters.splice(0)) resolve(false);
    await this.running;
  }

  /** Resolves true once synced, false if stopped first or `timeoutMs` passes. */
  waitForSync(timeoutMs = Infinity): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.abort.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : undefined;
      this.syncWaiters.push((ok) => {
        if (timer) clearTimeout(timer);
        resolve(ok);
      });
    });
  }

  /**
   * Adds a handler; when the informer has already synced, the handler first gets every cached
   * object as an initial add. Returns a function that removes the handler.
   */
  addHandler(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const obj of [...this.store.list()]) this.call(handler, 'onAdd', () => handler.onAdd?.(obj, true));
    return () => this.handlers.delete(handler);
  }

  private async loop(): Promise<void> {
    const initialMs = this.options.retry?.initialMs ?? 250;
    const maxMs = this.options.retry?.maxMs ?? 10_000;
    let delay = initialMs;
    let needList = true;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (needList) {
        try {
          await this.relist();
          needList = false;
          delay = initialMs;
        } catch (err) {
          if (signal.aborted) break;
          this.options.logger?.error('list failed; retrying', { informer: this.name, error: String(err), retryInMs: delay });
          await sleep(jitter(delay), signal);
          delay = Math.min(delay * 2, maxMs);
          continue;
        }
      }
      const started = Date.now();
      const outcome = await this.watchOnce();
      if (signal.aborted || outcome.kind === 'stopped') break;
      if (outcome.kind === 'gone') {
        this.stats.relistsOnGone++;
        this.options.logger?.info('resourceVersion expired; listing again', { informer: this.name, resourceVersion: this.rv });
        needList = true;
        continue;
      }
      const lastedMs = Date.now() - started;
      if (outcome.kind === 'error' || (outcome.kind === 'ended' && lastedMs < 1000)) {
        if (outcome.kind === 'error') {
          this.stats.watchErrors++;
          this.options.logger?.debug('watch failed; resuming from the last resourceVersion', { informer: this.name, error: String(outcome.error), resourceVersion: this.rv, retryInMs: delay });
        }
        if (lastedMs > 30_000) delay = initialMs;
        await sleep(jitter(delay), signal);
        delay = Math.min(delay * 2, maxMs);
      } else {
        delay = initialMs;
      }
    }
  }

  private async relist(): Promise<void> {
    const pageSize = this.options.pageSize ?? 500;
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    let apiVersion: string | undefined;
    let kind: string | undefined;
    do {
      const page = await this.lw.list({ limit: pageSize, continue: cont });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
      apiVersion = page.apiVersion;
      kind = page.kind?.replace(/List$/, '');
    } while (cont && !this.abort.signal.aborted);
    if (this.abort.signal.aborted) return;
    this.stats.lists++;
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const raw of items) {
      // List items of built-in kinds come without apiVersion and kind.
      if (!raw.apiVersion && apiVersion) raw.apiVersion = apiVersion;
      if (!raw.kind && kind) raw.kind = kind;
      const obj = this.prepare(raw);
      seen.add(objectKey(obj));
      const old = this.store.upsert(obj);
      if (!old) this.emit('onAdd', (h) => h.onAdd?.(obj, initial));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('onUpdate', (h) => h.onUpdate?.(old, obj));
    }
    for (const key of [...this.store.keys()]) {
      if (seen.has(key)) continue;
      const old = this.store.remove(key)!;
      this.emit('onDelete', (h) => h.onDelete?.(old));
    }
    this.rv = rv;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve(true);
    }
  }

  private watchOnce(): Promise<WatchOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      let handle: WatchHandle | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      const stallMs = this.options.stallTimeoutMs ?? 150_000;
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        this.stopWatch = undefined;
        handle?.stop();
        resolve(outcome);
      };
      const arm = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          this.stats.stalls++;
          this.options.logger?.info('watch silent for too long; restarting it', { informer: this.name, silentMs: stallMs, resourceVersion: this.rv });
          finish({ kind: 'stalled' });
        }, stallMs);
      };
      this.stopWatch = () => finish({ kind: 'stopped' });
      const [min, max] = this.options.watchTimeoutSeconds ?? [300, 600];
      this.stats.watches++;
      arm();
      try {
        handle = this.lw.watch(
          { resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds: Math.round(min + Math.random() * (max - min)) },
          (event) => {
            if (settled) return;
            arm();
            const outcome = this.apply(event);
            if (outcome) finish(outcome);
          },
        );
      } catch (error) {
        finish({ kind: 'error', error });
        return;
      }
      handle.done.then(
        () => finish({ kind: 'ended' }),
        (error: unknown) => finish(isGone(error) ? { kind: 'gone' } : { kind: 'error', error }),
      );
      if (settled) handle.stop();
    });
  }

  /** Applies one watch event to the store; returns an outcome when the watch must end. */
  private apply(event: WatchEvent<T>): WatchOutcome | undefined {
    this.stats.events++;
    switch (event.type) {
      case 'ERROR': {
        const status = event.object as unknown as Status;
        if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') return { kind: 'gone' };
        return { kind: 'error', error: new Error(`watch of ${this.name} failed: ${status.code ?? ''} ${status.reason ?? ''} ${status.message ?? ''}`) };
      }
      case 'BOOKMARK':
        this.rv = event.object.metadata.resourceVersion ?? this.rv;
        return undefined;
      case 'ADDED':
      case 'MODIFIED': {
        const obj = this.prepare(event.object);
        this.rv = obj.metadata.resourceVersion ?? this.rv;
        const old = this.store.upsert(obj);
        if (!old) this.emit('onAdd', (h) => h.onAdd?.(obj, false));
        else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('onUpdate', (h) => h.onUpdate?.(old, obj));
        return undefined;
      }
      case 'DELETED': {
        const obj = this.prepare(event.object);
        this.rv = obj.metadata.resourceVersion ?? this.rv;
        if (this.store.remove(objectKey(obj))) this.emit('onDelete', (h) => h.onDelete?.(obj));
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private prepare(obj: T): T {
    if (this.options.stripManagedFields !== false && obj.metadata.managedFields) delete obj.metadata.managedFields;
    return this.options.transform ? this.options.transform(obj) : obj;
  }

  private emit(what: string, call: (h: InformerHandler<T>) => void): void {
    for (const h of this.handlers) this.call(h, what, () => call(h));
  }

  private call(_h: InformerHandler<T>, what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger?.error('informer handler threw; the event is dropped for this handler', { informer: this.name, handler: what, error: String(err) });
    }
  }
}
