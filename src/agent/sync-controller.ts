import { ResourceManager, formatSummary, type Manifest } from '../apply/index.js';
import { RECONCILE_REQUESTED_ANNOTATION, SyncType, type ObjectOf } from '../constructs/schema/index.js';
import { isDeleting, keyOf, updateStatus, type Controller, type Manager, type ReconcileContext, type Request, type Result } from '../controller/index.js';
import { Discovery, parseDuration, rfc3339, type KubeObject } from '../k8s/index.js';
import type { ObjectRef } from '../apply/index.js';
import { classifyFailure, failedConditions, progressingConditions, succeededConditions } from './conditions.js';
import { syncCredentials } from './credentials.js';
import { DriftWatch } from './drift.js';
import { anonymous, type GitAuth } from './git/auth.js';
import { describeReference, GitSource, type Commit, type GitReference } from './git/source.js';
import { changeCounts, changedAnything, describeRevision, recordHistory, type HistoryEntry } from './history.js';
import { SyncStatusInventory, ungroupInventory } from './inventory-status.js';
import type { AgentMetrics } from './metrics.js';
import { renderFiles } from './render.js';

/** The agent's field manager: the same as `capstan apply`'s, as every Capstan deployer writes with it. */
export const AGENT_FIELD_MANAGER = 'capstan';
/** A failed fetch is tried again after at most this long, whatever the interval. */
const FETCH_RETRY_MS = 10_000;

/** What the remote named last for one Sync, and when it was asked. */
interface RemoteAnswer {
  askedAt: number;
  sha: string;
  /** URL, ref and pin it was asked for: a change of any asks again. */
  question: string;
}

/**
 * The `Sync` controller: fetch the revision, render it, hand it to the apply engine's `sync` verb
 * with the inventory in the Sync's status, and report conditions, revisions, history and an Event
 * per change set. The remote is asked for a new revision once per interval, on a webhook and on
 * request; a drift repair re-applies the revision already fetched.
 */
export class SyncController {
  private readonly answers = new Map<string, RemoteAnswer>();
  private readonly forced = new Set<string>();
  private readonly discovery: Discovery;
  readonly drift: DriftWatch;
  private controller: Controller | undefined;

  constructor(private readonly manager: Manager, private readonly source: GitSource, private readonly metrics: AgentMetrics) {
    this.discovery = new Discovery(manager.client);
    this.drift = new DriftWatch(manager.client, this.discovery, AGENT_FIELD_MANAGER, (ns, name) => this.enqueue(ns, name), manager.logger);
  }

  /** Registers the controller on the manager. */
  register(): void {
    this.controller = this.manager.add({ name: 'sync', for: { kind: SyncType }, owns: [], watches: [], reconcile: (req, ctx) => this.reconcile(req, ctx) });
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
    if (!ctx.object) {
      this.answers.delete(key);
      return;
    }
    if (isDeleting(ctx.object)) return;
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
    if (spec.suspend) {
      await updateStatus(ctx.client, SyncType, latest, [{ type: 'Reconciling', status: 'False', reason: 'Suspended', message: 'spec.suspend is true: nothing is fetched, applied or repaired until it is cleared' }]);
      return;
    }
    const requested = object.metadata.annotations?.[RECONCILE_REQUESTED_ANNOTATION];
    const handled = requested !== undefined ? { lastHandledReconcileAt: requested } : {};
    const ref: GitReference = spec.revision ? { commit: spec.revision } : spec.ref;
    const refName = spec.revision ? `pinned ${spec.ref.branch ?? spec.ref.tag ?? 'commit'}` : spec.ref.branch ?? spec.ref.tag ?? 'commit';

    await this.watchForDrift(ungroupInventory(status.inventory ?? []), ctx);

    let auth: GitAuth = anonymous;
    let sha: string | undefined;
    let commit: Commit;
    let manifests: Manifest[];
    const fail = async (err: unknown, retryMs: number, desired: Manifest[] = []): Promise<Result> => {
      const failure = classifyFailure(err, desired.map((m) => ({ apiVersion: m.object.apiVersion ?? '', kind: m.object.kind ?? '', namespace: m.object.metadata.namespace, name: m.object.metadata.name ?? '' })), auth.secrets);
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      const extra = { ...handled, ...(sha ? { lastAttemptedRevision: sha } : {}) };
      latest = await updateStatus(ctx.client, SyncType, latest, failedConditions(failure), extra);
      if (ready?.reason !== failure.reason || ready.message !== failure.message) {
        await ctx.record({ type: 'Warning', reason: failure.reason, action: 'Reconcile', note: failure.message });
      }
      ctx.log.info('reconcile failed', { reason: failure.reason, revision: sha, message: failure.message });
      return { requeueAfter: retryMs };
    };

    try {
      auth = await syncCredentials(ctx.client, namespace, spec.secretRef);
      const question = JSON.stringify([spec.url, ref]);
      const answer = this.answers.get(key);
      const ask = this.forced.delete(key) || !answer || answer.question !== question || Date.now() - answer.askedAt >= interval * 0.9
        || (requested !== undefined && requested !== status.lastHandledReconcileAt);
      if (ask) {
        sha = await this.source.resolve(spec.url, ref, auth, timeoutMs);
        this.answers.set(key, { askedAt: Date.now(), sha, question });
      } else sha = answer.sha;
      commit = await this.source.fetch(spec.url, sha, ref, auth, timeoutMs);
      const files = await this.source.files(spec.url, sha, spec.path);
      manifests = renderFiles(files, { path: spec.path, revision: sha, allowEmpty: spec.allowEmpty });
    } catch (err) {
      this.answers.delete(key);
      return fail(err, Math.min(interval, FETCH_RETRY_MS));
    } finally {
      await auth.dispose();
    }

    const revision = describeRevision(refName, sha);
    const isNew = sha !== status.lastAppliedRevision;
    if (isNew && sha !== status.lastAttemptedRevision) {
      latest = await updateStatus(ctx.client, SyncType, latest, progressingConditions(revision), { lastAttemptedRevision: sha });
    }
    const inventory = new SyncStatusInventory(ctx.client, namespace, name);
    const engine = new ResourceManager(ctx.client, { fieldManager: AGENT_FIELD_MANAGER, defaultNamespace: spec.targetNamespace ?? namespace, discovery: this.discovery });
    let result;
    try {
      result = await engine.sync(manifests, inventory, { prune: spec.prune, wait: spec.wait, timeoutMs, allowEmpty: spec.allowEmpty, lockWaitMs: 0 });
    } catch (err) {
      latest = inventory.latest ?? latest;
      return fail(err, Math.min(interval, FETCH_RETRY_MS), manifests);
    }
    latest = inventory.latest ?? latest;
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
    latest = await updateStatus(ctx.client, SyncType, latest, succeededConditions(revision), extra);
    if (changed || isNew) {
      const what = isNew ? `applied ${revision} (${describeReference(ref)}, "${commit.subject}")` : `repaired drift at ${revision}`;
      await ctx.record({ reason: isNew ? 'ReconciliationSucceeded' : 'DriftRepaired', action: 'Apply', note: `${what}: ${formatSummary(result)}` });
    }
    if (!isNew && counts.created + counts.configured > 0) this.metrics.driftCorrections.inc({ namespace, name }, counts.created + counts.configured);
    if (counts.deleted > 0) this.metrics.prunes.inc({ namespace, name }, counts.deleted);
    this.metrics.applied(namespace, name, sha);
    ctx.log.info('reconciled', { revision: sha, ...counts });
    return { requeueAfter: interval };
  }

  private async watchForDrift(objects: ObjectRef[], ctx: ReconcileContext): Promise<void> {
    await this.drift.watch(objects).catch((err: unknown) => ctx.log.error('cannot watch the managed objects for drift', { error: String(err) }));
  }
}
