import { ResourceManager, formatSummary, type Manifest } from '../apply/index.js';
import { RECONCILE_REQUESTED_ANNOTATION, SyncType, type ObjectOf } from '../constructs/schema/index.js';
import { isDeleting, keyOf, updateStatus, type Controller, type Manager, type ReconcileContext, type Request, type Result } from '../controller/index.js';
import { Discovery, parseDuration, rfc3339, type KubeClient, type KubeObject } from '../k8s/index.js';
import type { ObjectRef } from '../apply/index.js';
import { classifyFailure, DependencyNotReadyError, failedConditions, progressingConditions, succeededConditions } from './conditions.js';
import { DependencyTracker, dependencyNotReady } from './dependencies.js';
import { DriftWatch } from './drift.js';
import { finalizeSync, SYNC_FINALIZER } from './finalizer.js';
import type { GitAuth } from './git/auth.js';
import { describeReference, type GitSource, type GitReference } from './git/source.js';
import { changeCounts, changedAnything, describeRevision, recordHistory, type HistoryEntry } from './history.js';
import { SyncStatusInventory, ungroupInventory } from './inventory-status.js';
import type { AgentMetrics } from './metrics.js';
import { RevisionReader, type Revision } from './revision-reader.js';
import { SecretWatch } from './secret-watch.js';

/** The agent's field manager: the same as `capstan apply`'s, as every Capstan deployer writes with it. */
export const AGENT_FIELD_MANAGER = 'capstan';
/** A failed fetch is tried again after at most this long, whatever the interval. */
const FETCH_RETRY_MS = 10_000;
/**
 * However quiet the drift watch is, every object of a Sync is read and compared again after this
 * many intervals: a backstop for a change that no watch event reported (a write by another
 * applier under the agent's own field manager).
 */
const FULL_RESYNC_INTERVALS = 10;

/** What the last successful reconcile of a Sync applied, so an interval reconcile with nothing new can stop early. */
interface Applied {
  sha: string;
  generation: number | undefined;
  /** When every object was last read and compared (epoch ms). */
  comparedAt: number;
  inventory: ObjectRef[];
}

/** The user a Sync with `spec.serviceAccountName` applies as. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * The `Sync` controller: wait for the Syncs it depends on, read the revision (fetch, verify,
 * render), hand it to the apply engine's `sync` verb with the inventory in the Sync's status, as
 * the Sync's ServiceAccount when it names one, and report conditions, revisions, history and an
 * Event per change set. The remote is asked for a new revision once per interval, on a webhook and
 * on request; a drift repair re-applies the revision already fetched.
 */
export class SyncController {
  private readonly forced = new Set<string>();
  private readonly discovery: Discovery;
  private readonly reader: RevisionReader;
  private readonly dependencies = new DependencyTracker();
  private readonly impersonated = new Map<string, KubeClient>();
  private readonly applied = new Map<string, Applied>();
  /** Syncs with a managed object changed by someone else since their last reconcile began. */
  private readonly drifted = new Set<string>();
  readonly drift: DriftWatch;
  /** The Secrets of `spec.secretRef`, watched, so an interval reconcile reads its credentials without a request. */
  private readonly secrets: SecretWatch;
  private controller: Controller | undefined;

  constructor(private readonly manager: Manager, source: GitSource, private readonly metrics: AgentMetrics) {
    this.discovery = new Discovery(manager.client);
    this.secrets = new SecretWatch(manager.client, manager.logger);
    this.reader = new RevisionReader(manager.client, source, this.secrets.get);
    this.drift = new DriftWatch(manager.client, this.discovery, AGENT_FIELD_MANAGER, (ns, name) => {
      this.drifted.add(keyOf(ns, name));
      this.enqueue(ns, name);
    }, manager.logger);
  }

  /** Registers the controller on the manager; a Sync turning Ready or not requeues the Syncs that depend on it. */
  register(): void {
    this.controller = this.manager.add({
      name: 'sync',
      for: { kind: SyncType },
      owns: [],
      watches: [{ kind: SyncType, map: (obj) => this.dependencies.changed(obj) }],
      reconcile: (req, ctx) => this.reconcile(req, ctx),
    });
  }

  /** Stops the watches the controller started beside the manager's: managed objects and credentials. */
  async stop(): Promise<void> {
    await Promise.all([this.drift.stop(), this.secrets.stop()]);
  }

  /** Reconciles a Sync now and asks its remote for a new revision (a webhook, a push). */
  trigger(namespace: string, name: string): void {
    this.forced.add(keyOf(namespace, name));
    this.enqueue(namespace, name);
  }

  private enqueue(namespace: string, name: string): void {
    this.controller?.queue.add(keyOf(namespace, name));
  }

  private async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | void> {
    const key = keyOf(req.namespace, req.name);
    if (!ctx.object || isDeleting(ctx.object)) {
      this.applied.delete(key);
      this.secrets.retain(key, []);
    }
    if (!ctx.object) {
      this.reader.forget(key);
      this.dependencies.forget(req.namespace ?? '', req.name);
      return;
    }
    if (isDeleting(ctx.object)) {
      this.reader.forget(key);
      return finalizeSync(ctx.object, ctx, { clientFor: (sa) => this.clientFor(req.namespace!, sa, ctx.client), discovery: this.discovery, fieldManager: AGENT_FIELD_MANAGER });
    }
    const started = performance.now();
    try {
      return await this.reconcileSync(ctx.object, ctx);
    } finally {
      this.metrics.reconcileDuration.observe({ namespace: req.namespace ?? '', name: req.name }, (performance.now() - started) / 1000);
    }
  }

  private async reconcileSync(object: KubeObject, ctx: ReconcileContext): Promise<Result | void> {
    const namespace = object.metadata.namespace!;
    const name = object.metadata.name!;
    const key = keyOf(namespace, name);
    let latest = object;
    let sync: ObjectOf<typeof SyncType>;
    try {
      sync = SyncType.view(object);
    } catch (err) {
      await updateStatus(ctx.client, SyncType, latest, failedConditions({ reason: 'ValidationFailed', message: (err as Error).message, stalled: true }));
      return;
    }
    const { spec } = sync;
    const status = sync.status ?? {};
    const interval = parseDuration(spec.interval);
    const timeoutMs = parseDuration(spec.timeout);
    this.dependencies.declare(namespace, name, spec.dependsOn ?? []);
    this.secrets.retain(key, spec.secretRef && !spec.suspend ? [`${namespace}/${spec.secretRef.name}`] : []);
    if (spec.suspend) {
      await updateStatus(ctx.client, SyncType, latest, [{ type: 'Reconciling', status: 'False', reason: 'Suspended', message: 'spec.suspend is true: nothing is fetched, applied or repaired until it is cleared' }]);
      return;
    }
    // With prune, deleting the Sync deletes what it applied first; without, it leaves it all.
    if (spec.prune) latest = await ctx.addFinalizer(SYNC_FINALIZER);
    else latest = (await ctx.removeFinalizer(SYNC_FINALIZER)) ?? latest;
    const requested = object.metadata.annotations?.[RECONCILE_REQUESTED_ANNOTATION];
    const handled = requested !== undefined ? { lastHandledReconcileAt: requested } : {};
    const ref: GitReference = spec.revision ? { commit: spec.revision } : spec.ref;
    const refName = spec.revision ? `pinned ${spec.ref.branch ?? spec.ref.tag ?? spec.ref.semver ?? 'commit'}` : spec.ref.branch ?? spec.ref.tag ?? spec.ref.semver ?? 'commit';

    await this.watchForDrift(ungroupInventory(status.inventory ?? []), ctx);

    let secrets: readonly string[] = [];
    let sha: string | undefined;
    const fail = async (err: unknown, retryMs: number, desired: Manifest[] = []): Promise<Result> => {
      const failure = classifyFailure(err, desired.map((m) => ({ apiVersion: m.object.apiVersion ?? '', kind: m.object.kind ?? '', namespace: m.object.metadata.namespace, name: m.object.metadata.name ?? '' })), secrets);
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      const extra = { ...handled, ...(sha ? { lastAttemptedRevision: sha } : {}) };
      latest = await updateStatus(ctx.client, SyncType, latest, failedConditions(failure), extra);
      if (ready?.reason !== failure.reason || ready.message !== failure.message) {
        await ctx.record({ type: 'Warning', reason: failure.reason, action: 'Reconcile', note: failure.message });
      }
      ctx.log.info('reconcile failed', { reason: failure.reason, revision: sha, message: failure.message });
      return { requeueAfter: retryMs };
    };

    const waiting = await this.waitingFor(namespace, name, spec.dependsOn ?? [], ctx.client);
    // Not a poll: the dependency turning Ready requeues this Sync; the interval only backs that up.
    if (waiting) return fail(new DependencyNotReadyError(waiting), interval);

    let revision: Revision | undefined;
    const ask = this.forced.delete(key) || (requested !== undefined && requested !== status.lastHandledReconcileAt);
    const last = this.applied.get(key);
    this.applied.delete(key);
    // Taken now: a change reported from here on is handled by the next reconcile.
    const drifted = this.drifted.delete(key);
    // Nothing new to do: the commit applied last, the same spec, and no managed object changed
    // since (every kind watched). The drift watch stands in for reading every object again.
    const upToDate = (commit: string) =>
      !ask && !drifted && !!last && last.sha === commit && commit === status.lastAppliedRevision && last.generation === object.metadata.generation &&
      Date.now() - last.comparedAt < interval * FULL_RESYNC_INTERVALS && last.inventory.every((ref) => this.drift.watching(ref));
    const readStarted = performance.now();
    try {
      revision = await this.reader.read(
        { key, namespace, spec: { ...spec, ref }, ask, intervalMs: interval, timeoutMs, onResolved: (resolved) => (sha = resolved), upToDate },
        (auth: GitAuth) => (secrets = auth.secrets),
      );
    } catch (err) {
      return fail(err, Math.min(interval, FETCH_RETRY_MS));
    }
    if (!revision) {
      this.applied.set(key, last!);
      return { requeueAfter: interval };
    }
    const { commit, manifests } = revision;
    sha = commit.sha;

    // A semver range is named by the tag it picked.
    const described = describeRevision(ref.semver && revision.resolved.tag ? revision.resolved.tag : refName, sha);
    const isNew = sha !== status.lastAppliedRevision;
    if (isNew && sha !== status.lastAttemptedRevision) {
      latest = await updateStatus(ctx.client, SyncType, latest, progressingConditions(described), { lastAttemptedRevision: sha });
    }
    const readMs = Math.round(performance.now() - readStarted);
    const inventory = new SyncStatusInventory(ctx.client, namespace, name);
    const client = this.clientFor(namespace, spec.serviceAccountName, ctx.client);
    const engine = new ResourceManager(client, { fieldManager: AGENT_FIELD_MANAGER, defaultNamespace: spec.targetNamespace ?? namespace, discovery: this.discovery });
    let result;
    const syncStarted = performance.now();
    try {
      result = await engine.sync(manifests, inventory, { prune: spec.prune, wait: spec.wait, timeoutMs, allowEmpty: spec.allowEmpty, lockWaitMs: 0 });
    } catch (err) {
      latest = inventory.latest ?? latest;
      return fail(err, Math.min(interval, FETCH_RETRY_MS), manifests);
    }
    latest = inventory.latest ?? latest;
    const syncMs = Math.round(performance.now() - syncStarted);
    await this.watchForDrift(result.inventory, ctx);

    const counts = changeCounts(result);
    const changed = changedAnything(counts);
    const now = rfc3339(new Date());
    const entry: HistoryEntry = { revision: sha, time: now, subject: commit.subject, ...counts };
    const extra: Record<string, unknown> = { ...handled, lastAttemptedRevision: sha, lastAppliedRevision: sha };
    if (changed || isNew) {
      extra['lastAppliedTime'] = now;
      extra['history'] = recordHistory(status.history, entry);
    }
    latest = await updateStatus(ctx.client, SyncType, latest, succeededConditions(described), extra);
    if (changed || isNew) {
      const by = revision.resolved.tag && ref.semver ? `${describeReference(ref)}: tag ${revision.resolved.tag}` : describeReference(ref);
      const what = isNew ? `applied ${described} (${by}, "${commit.subject}")` : `repaired drift at ${described}`;
      await ctx.record({ reason: isNew ? 'ReconciliationSucceeded' : 'DriftRepaired', action: 'Apply', note: `${what}: ${formatSummary(result)}` });
    }
    if (!isNew && counts.created + counts.configured > 0) this.metrics.driftCorrections.inc({ namespace, name }, counts.created + counts.configured);
    if (counts.deleted > 0) this.metrics.prunes.inc({ namespace, name }, counts.deleted);
    this.metrics.applied(namespace, name, sha);
    this.applied.set(key, { sha, generation: object.metadata.generation, comparedAt: Date.now(), inventory: result.inventory });
    // Where the time went: reading the revision (ask, fetch, verify, render) and the engine's sync.
    ctx.log.info('reconciled', { revision: sha, ...counts, readMs, syncMs });
    return { requeueAfter: interval };
  }

  /** Why the Sync must wait for one of `dependsOn`, read now; `undefined` when all are Ready at their generation. */
  private async waitingFor(namespace: string, name: string, dependsOn: readonly { name: string; namespace?: string | undefined }[], client: KubeClient): Promise<string | undefined> {
    for (const dep of dependsOn) {
      const ns = dep.namespace ?? namespace;
      if (ns === namespace && dep.name === name) return 'spec.dependsOn names this Sync itself, which it can never wait for: remove that entry';
      const found = await client.get({ group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace: ns, name: dep.name });
      const why = dependencyNotReady(ns, dep.name, found);
      if (why) return `spec.dependsOn: ${why}`;
    }
    return undefined;
  }

  /** The client a Sync reads and writes its objects with: the agent's own, or one impersonating its ServiceAccount (one per user, sharing the agent's connections). */
  private clientFor(namespace: string, serviceAccountName: string | undefined, own: KubeClient): KubeClient {
    if (!serviceAccountName) return own;
    const user = serviceAccountUser(namespace, serviceAccountName);
    let client = this.impersonated.get(user);
    if (!client) this.impersonated.set(user, (client = this.manager.client.impersonating(user)));
    return client;
  }

  private async watchForDrift(objects: ObjectRef[], ctx: ReconcileContext): Promise<void> {
    await this.drift.watch(objects).catch((err: unknown) => ctx.log.error('cannot watch the managed objects for drift', { error: String(err) }));
  }
}
