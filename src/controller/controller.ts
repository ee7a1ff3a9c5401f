import { isDeepStrictEqual } from 'node:util';
import type { KubeClient, KubeObject } from '../k8s/index.js';
import { applyOwned } from './apply.js';
import { ItemBackoff, type BackoffOptions } from './backoff.js';
import type { ConditionInput } from './conditions.js';
import type { EventInput, EventRecorder } from './events.js';
import { addFinalizer, removeFinalizer } from './finalizers.js';
import type { Informer } from './informer.js';
import { type Kind } from './kinds.js';
import type { Scope } from './listwatch.js';
import type { Logger } from './logger.js';
import type { ReconcileResult, RuntimeMetrics } from './metrics.js';
import { controllerOf, refersToKind } from './ownerrefs.js';
import type { SharedInformers } from './shared.js';
import { updateStatus } from './status.js';
import { keyOf, splitKey } from './store.js';
import { WorkQueue } from './workqueue.js';

/** Which object to reconcile: its namespace (none when cluster-scoped) and name. */
export interface Request {
  namespace?: string | undefined;
  name: string;
}

/** What a reconcile asks for next. Return nothing when the object has converged. */
export interface Result {
  /** Reconcile again after the key's backoff delay. */
  requeue?: boolean;
  /** Reconcile again after this many milliseconds (takes precedence over `requeue`). */
  requeueAfter?: number;
}

/** What a reconcile gets besides the request: the cached object and helpers bound to it. */
export interface ReconcileContext<T extends KubeObject = KubeObject> {
  readonly request: Request;
  /** The object from the cache; `undefined` when it no longer exists. */
  readonly object: T | undefined;
  readonly client: KubeClient;
  readonly log: Logger;
  /** The field manager of this operator's writes, `capstan-<operator>`. */
  readonly fieldManager: string;
  /** Aborted when shutdown gives up waiting for this reconcile. */
  readonly signal: AbortSignal;
  /** The shared informers; read other kinds' caches through them. */
  readonly informers: SharedInformers;
  /** Server-side applies `child` of `kind` with this operator's field manager and the object as its controller owner. */
  apply<C extends KubeObject>(kind: Kind, child: C): Promise<C>;
  /** Sets conditions (with observedGeneration) and extra status fields through the status subresource; skips unchanged writes. */
  updateStatus(conditions: ConditionInput[], extra?: Record<string, unknown>): Promise<T>;
  /** Adds a finalizer by patch; returns the patched object. */
  addFinalizer(finalizer: string): Promise<T>;
  /** Removes a finalizer by patch; `undefined` when that let the object go. */
  removeFinalizer(finalizer: string): Promise<T | undefined>;
  /** Records an Event about the object (never throws). */
  record(event: EventInput): Promise<void>;
}

/** Reconciles one object toward its desired state. Throwing (or rejecting) retries it with backoff. */
export type Reconciler<T extends KubeObject = KubeObject> = (request: Request, ctx: ReconcileContext<T>) => Promise<Result | void> | Result | void;

/** Maps an object of a watched kind to the requests it should trigger. */
export type MapFunc = (obj: KubeObject) => Request[];

/** Everything that defines a controller. */
export interface ControllerSpec<T extends KubeObject = KubeObject> {
  /** Unique within the manager; labels metrics and logs. */
  name: string;
  /** The kind it reconciles. */
  for: { kind: Kind; scope?: Scope | undefined };
  /** Kinds it creates: their events reconcile their controlling owner of the `for` kind. */
  owns: { kind: Kind; scope?: Scope | undefined }[];
  /** Other kinds whose events map to requests through `map`. */
  watches: { kind: Kind; scope?: Scope | undefined; map: MapFunc }[];
  reconcile: Reconciler<T>;
  /** Reconciles running at once, for different keys. Default 1. */
  maxConcurrentReconciles?: number | undefined;
  /**
   * Also reconcile when only the status (or other fields outside spec and metadata) of a `for`
   * object changed. Default false: an update that leaves generation, labels, annotations,
   * finalizers, owner references and deletionTimestamp alone is the controller's own status write.
   */
  reconcileOnStatusChange?: boolean | undefined;
  /** Backoff of failed keys. Default 5 ms doubling up to 1000 s. */
  backoff?: BackoffOptions | undefined;
}

function childKey(kind: Kind, namespace: string | undefined, name: string | undefined): string {
  return `${kind.apiVersion}|${kind.kind}|${namespace ?? ''}|${name ?? ''}`;
}

/** Whether an update touched more than status: generation (spec), labels, annotations, finalizers, owners or deletion. */
export function metadataOrSpecChanged(old: KubeObject, obj: KubeObject): boolean {
  const a = old.metadata;
  const b = obj.metadata;
  if (a.generation === undefined || b.generation === undefined) return true;
  return a.generation !== b.generation
    || a.deletionTimestamp !== b.deletionTimestamp
    || !isDeepStrictEqual(a.labels ?? {}, b.labels ?? {})
    || !isDeepStrictEqual(a.annotations ?? {}, b.annotations ?? {})
    || !isDeepStrictEqual(a.finalizers ?? [], b.finalizers ?? [])
    || !isDeepStrictEqual(a.ownerReferences ?? [], b.ownerReferences ?? []);
}

/** What a controller needs from its manager. */
export interface ControllerDeps {
  client: KubeClient;
  informers: SharedInformers;
  metrics: RuntimeMetrics;
  logger: Logger;
  fieldManager: string;
  events: EventRecorder;
}

/**
 * Turns informer events into keys on a {@link WorkQueue} and runs the reconciler on them with
 * bounded concurrency. Failures are retried with per-key backoff and never escape the worker.
 */
export class Controller<T extends KubeObject = KubeObject> {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly forInformer: Informer<T>;
  private readonly sources: { informer: Informer; handler: Parameters<Informer['addHandler']>[0] }[] = [];
  private readonly removers: (() => void)[] = [];
  private workers: Promise<void>[] = [];
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private started = false;
  /** What this controller last applied to each child, and the resourceVersion that produced. */
  private readonly applied = new Map<string, { body: string; rv: string | undefined }>();

  constructor(
    readonly spec: ControllerSpec<T>,
    private readonly deps: ControllerDeps,
  ) {
    this.name = spec.name;
    this.log = deps.logger.with({ controller: spec.name });
    this.queue = new WorkQueue({ backoff: new ItemBackoff(spec.backoff), metrics: deps.metrics.queueMetrics(spec.name) });
    const forKind = spec.for.kind;
    this.forInformer = deps.informers.informerFor<T>(forKind, spec.for.scope);
    const enqueue = (req: Request, initial = false): void => this.queue.add(keyOf(req.namespace, req.name), initial ? 'low' : 'normal');
    const self = (obj: KubeObject): Request => ({ namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' });
    this.sources.push({
      informer: this.forInformer as unknown as Informer,
      handler: {
        onAdd: (o, initial) => enqueue(self(o), initial),
        onUpdate: (old, o) => {
          if (spec.reconcileOnStatusChange || metadataOrSpecChanged(old, o)) enqueue(self(o));
        },
        onDelete: (o) => enqueue(self(o)),
      },
    });
    const owner = (obj: KubeObject): Request[] => {
      const ref = controllerOf(obj);
      if (!ref || !refersToKind(ref, forKind.apiVersion, forKind.kind)) return [];
      return [{ namespace: forKind.namespaced ? obj.metadata.namespace : undefined, name: ref.name }];
    };
    for (const o of spec.owns) {
      const handler = this.mapped(owner, enqueue);
      const onDelete = handler.onDelete!;
      handler.onDelete = (obj) => {
        this.applied.delete(childKey(o.kind, obj.metadata.namespace, obj.metadata.name));
        onDelete(obj);
      };
      this.sources.push({ informer: deps.informers.informerFor(o.kind, o.scope), handler });
    }
    for (const w of spec.watches) this.sources.push({ informer: deps.informers.informerFor(w.kind, w.scope), handler: this.mapped(w.map, enqueue) });
    deps.metrics.maxConcurrentReconciles.set({ controller: spec.name }, this.concurrency);
    deps.metrics.activeWorkers.set({ controller: spec.name }, 0);
  }

  /** Every informer this controller reads, so the manager can start them before it leads. */
  get informers(): Informer[] {
    return this.sources.map((s) => s.informer);
  }

  private get concurrency(): number {
    return Math.max(1, this.spec.maxConcurrentReconciles ?? 1);
  }

  /** Registers the event handlers, waits for the caches, then starts the workers. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const { informer, handler } of this.sources) {
      informer.start();
      this.removers.push(informer.addHandler(handler));
    }
    for (const { informer } of this.sources) {
      if (!(await informer.waitForSync())) return;
    }
    if (this.queue.isShuttingDown) return;
    this.log.info('starting workers', { workers: this.concurrency });
    this.workers = Array.from({ length: this.concurrency }, () => this.worker());
  }

  /**
   * Stops taking keys and waits up to `timeoutMs` for the reconciles in flight; after that their
   * `signal` is aborted. Resolves whether every in-flight reconcile finished in time.
   */
  async stop(timeoutMs = 30_000): Promise<boolean> {
    for (const remove of this.removers.splice(0)) remove();
    this.queue.shutDown();
    const drained = await this.queue.drain(timeoutMs);
    if (!drained) {
      this.log.error('reconciles still running at shutdown deadline; aborting them', { inFlight: this.queue.inFlight, timeoutMs });
      this.abort.abort();
    } else {
      await Promise.all(this.workers);
    }
    return drained;
  }

  private mapped(map: MapFunc, enqueue: (r: Request) => void): Parameters<Informer['addHandler']>[0] {
    const each = (obj: KubeObject): void => {
      for (const r of map(obj)) enqueue(r);
    };
    return {
      onAdd: each,
      onUpdate: (old, obj) => {
        each(old);
        each(obj);
      },
      onDelete: each,
    };
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const { metrics } = this.deps;
    const labels = { controller: this.name };
    const request = splitKey(key);
    const started = performance.now();
    metrics.activeWorkers.inc(labels);
    let result: ReconcileResult = 'success';
    try {
      const outcome: Result | undefined = (await this.spec.reconcile(request, this.context(request))) ?? undefined;
      if (outcome?.requeueAfter !== undefined && outcome.requeueAfter > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, outcome.requeueAfter);
        result = 'requeue_after';
      } else if (outcome?.requeue) {
        this.queue.addRateLimited(key);
        result = 'requeue';
      } else {
        this.queue.forget(key);
      }
    } catch (err) {
      result = 'error';
      metrics.reconcileErrors.inc(labels);
      this.queue.addRateLimited(key);
      this.log.error('reconcile failed; retrying with backoff', { key, error: err instanceof Error ? err.message : String(err), failures: this.queue.numRequeues(key) });
    } finally {
      metrics.activeWorkers.dec(labels);
      metrics.reconcileTotal.inc({ ...labels, result });
      metrics.reconcileTime.observe(labels, (performance.now() - started) / 1000);
    }
  }

  /**
   * Server-side applies a child unless nothing can have changed: the body is the one this controller
   * last applied and the cached child still has the resourceVersion that apply produced. So a
   * converged reconcile sends no writes, and any change by someone else is still reverted.
   */
  private async applyChild<C extends KubeObject>(kind: Kind, owner: T, child: C): Promise<C> {
    const body = { ...child, metadata: { ...child.metadata } } as C;
    if (kind.namespaced && !body.metadata.namespace) body.metadata.namespace = owner.metadata.namespace;
    const key = childKey(kind, body.metadata.namespace, body.metadata.name);
    const text = JSON.stringify([owner.metadata.uid, body]);
    const last = this.applied.get(key);
    if (last && last.body === text) {
      for (const { kind: k, scope } of this.spec.owns) {
        if (k.apiVersion !== kind.apiVersion || k.kind !== kind.kind) continue;
        const cached = this.deps.informers.informerFor<C>(k, scope).store.getByName(kind.namespaced ? body.metadata.namespace : undefined, body.metadata.name ?? '');
        if (cached && cached.metadata.resourceVersion === last.rv) return cached;
      }
    }
    const result = await applyOwned(this.deps.client, this.deps.fieldManager, kind, owner, body);
    this.applied.set(key, { body: text, rv: result.metadata.resourceVersion });
    return result;
  }

  private context(request: Request): ReconcileContext<T> {
    const { client, fieldManager, events, informers } = this.deps;
    const kind = this.spec.for.kind;
    const object = this.forInformer.store.getByName(request.namespace, request.name);
    const need = (what: string): T => {
      if (!object) throw new Error(`${what}: ${kind.kind} ${keyOf(request.namespace, request.name)} is not in the cache (it was deleted)`);
      return object;
    };
    return {
      request,
      object,
      client,
      fieldManager,
      informers,
      signal: this.abort.signal,
      log: this.log.with({ [kind.kind.toLowerCase()]: keyOf(request.namespace, request.name) }),
      apply: (childKind, child) => this.applyChild(childKind, need('apply a child'), child),
      updateStatus: (conditions, extra) => updateStatus(client, kind, need('update status'), conditions, extra),
      addFinalizer: (f) => addFinalizer(client, kind, need('add a finalizer'), f),
      removeFinalizer: (f) => removeFinalizer(client, kind, need('remove a finalizer'), f),
      record: (e) => (object ? events.record(object, e) : Promise.resolve()),
    };
  }
}
