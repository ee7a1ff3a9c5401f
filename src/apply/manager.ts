import { Discovery, objectRef, type KubeClient, type ResourceMapping } from '../k8s/index.js';
import type { ChangeSet, ChangeSetEntry } from './changeset.js';
import { unifiedDiff } from './difftext.js';
import { ApplyError, type ObjectFailure } from './errors.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { fetchLive, mapRefs, type MappedRef } from './fetch.js';
import { buildItems, type Item } from './items.js';
import { describeManifest, describeRef, groupOf, isCRD, keyOf, type Manifest, type ObjectRef } from './objects.js';
import { mapLimit } from './pool.js';
import { runPrune, type PruneOptions, type PruneResult } from './prunerun.js';
import { planStages, StagingError, type Stage } from './staging.js';
import { waitFor, type WaitOptions, type WaitProgress } from './wait.js';
import { serverMessage } from './conflicts.js';

/** How a {@link ResourceManager} works. */
export interface ResourceManagerOptions {
  /** Field manager of server-side apply; default `capstan`. */
  fieldManager?: string;
  /** Requests in flight at once; default 32. */
  concurrency?: number;
  /** Namespace for namespaced objects that name none; default the client's context namespace. */
  defaultNamespace?: string;
  /** Shared discovery cache; default a new one. */
  discovery?: Discovery;
  /** Always ask the server by dry-run, even when managed fields prove an object unchanged. */
  alwaysDryRun?: boolean;
}

/** Something the engine reports while it works. */
export type ApplyEvent =
  | { type: 'stage'; stage: Stage }
  | { type: 'object'; entry: ChangeSetEntry }
  | { type: 'waiting'; what: string; progress: WaitProgress };

/** Options of {@link ResourceManager.applyAll} and {@link ResourceManager.diff}. */
export interface ApplyOptions {
  /** Take fields other appliers own (`--force-conflicts`). */
  force?: boolean;
  /** Decide and report, write nothing. */
  dryRun?: boolean;
  /** Inventory name the objects are marked with (annotation `capstan.dev/inventory`). */
  inventory?: string;
  /** Accept an empty set of objects. */
  allowEmpty?: boolean;
  /** Limit for each wait between stages (CRDs established, earlier waves healthy); default 5 minutes. */
  stageTimeoutMs?: number;
  /** Progress reports. */
  onEvent?: (event: ApplyEvent) => void;
  /**
   * Called once everything validated, before the first write, with every object of the set
   * (namespaces defaulted): the moment to record an inventory, so a failure half-way still
   * leaves a record of what may have been created.
   */
  beforeWrite?: (objects: ObjectRef[]) => Promise<void>;
}

/** Thrown by {@link ResourceManager.wait} when objects did not become healthy; carries their health. */
export class WaitError extends Error {
  readonly changeSet: ChangeSet;
  constructor(message: string, changeSet: ChangeSet) {
    super(message);
    this.name = 'WaitError';
    this.changeSet = changeSet;
  }
}

interface Evaluated extends Item {
  evaluation?: Evaluation;
}

/**
 * The apply engine's library API, used by the CLI and the sync agent: apply a set of objects
 * in stages with server-side apply, diff it against the cluster, wait for health and prune
 * what an inventory no longer holds. Every verb returns a {@link ChangeSet}.
 */
export class ResourceManager {
  readonly client: KubeClient;
  readonly discovery: Discovery;
  readonly fieldManager: string;
  private readonly concurrency: number;
  private readonly defaultNamespace: string;
  private readonly alwaysDryRun: boolean;

  constructor(client: KubeClient, options: ResourceManagerOptions = {}) {
    this.client = client;
    this.discovery = options.discovery ?? new Discovery(client);
    this.fieldManager = options.fieldManager ?? 'capstan';
    this.concurrency = options.concurrency ?? 32;
    this.defaultNamespace = options.defaultNamespace ?? client.defaultNamespace;
    this.alwaysDryRun = options.alwaysDryRun ?? false;
  }

  /**
   * Applies every object, all or nothing: each one is validated by server-side dry-run before
   * anything is written (objects whose CRD or namespace comes with the set are validated right
   * after the Namespaces and CRDs are applied, and those are rolled back if validation fails).
   * Then the stages run in order, writing only objects that would change.
   */
  async applyAll(manifests: Manifest[], options: ApplyOptions = {}): Promise<ChangeSet> {
    const { items, stages } = await this.prepare(manifests, options);
    await this.evaluateAll(items.filter((i) => !this.isDeferred(i, items)), options, false);
    const byKey = new Map(items.map((i) => [keyOf(i.ref), i]));
    const entries: ChangeSetEntry[] = [];
    const emit = (entry: ChangeSetEntry): void => {
      entries.push(entry);
      options.onEvent?.({ type: 'object', entry });
    };

    if (options.dryRun) {
      for (const stage of stages) {
        for (const key of stage.keys) emit(this.entryOf(byKey.get(key)!));
      }
      return { entries };
    }

    await options.beforeWrite?.(items.map((i) => i.ref));
    const healthy = new Set<string>();
    const created: Evaluated[] = [];
    let wrote = false;
    for (const stage of stages) {
      options.onEvent?.({ type: 'stage', stage });
      await this.gate(stage, byKey, healthy, options, wrote);
      const members = stage.keys.map((k) => byKey.get(k)!);
      wrote = (await this.write(members, options, wrote, emit)) || wrote;
      if (stage.scope === 'bootstrap') {
        created.push(...members.filter((m) => m.evaluation?.action === 'created'));
        const changed = members.filter((m) => m.evaluation?.action !== 'unchanged');
        await this.waitStage('for namespaces and CRDs', changed, options, wrote);
        for (const m of members) healthy.add(m.key);
        await this.evaluateDeferred(items, options, created);
      }
    }
    return { entries };
  }

  /**
   * What {@link applyAll} would change, object by object, with a unified diff of each change.
   * Writes nothing. With `previous` (the last inventory) it also lists what prune would delete.
   */
  async diff(manifests: Manifest[], options: ApplyOptions & { previous?: ObjectRef[] } = {}): Promise<ChangeSet> {
    const { items, stages } = await this.prepare(manifests, { ...options, allowEmpty: true });
    await this.evaluateAll(items.filter((i) => !this.isDeferred(i, items)), options, false);
    const byKey = new Map(items.map((i) => [keyOf(i.ref), i]));
    const entries: ChangeSetEntry[] = [];
    for (const stage of stages) {
      for (const key of stage.keys) {
        const item = byKey.get(key)!;
        const entry = this.entryOf(item);
        if (entry.action === 'created') entry.diff = unifiedDiff(item.ref, undefined, item.evaluation?.merged ?? item.desired);
        else if (entry.action === 'configured') entry.diff = unifiedDiff(item.ref, item.live, item.evaluation?.merged ?? item.desired);
        entries.push(entry);
      }
    }
    if (options.previous && options.inventory) {
      const pruned = await this.prune(options.previous, items.map((i) => i.ref), { inventory: options.inventory, dryRun: true, allowEmpty: true });
      for (const entry of pruned.changeSet.entries) {
        if (entry.action === 'deleted') entry.diff = unifiedDiff(entry.ref, pruned.live.get(keyOf(entry.ref)), undefined);
        entries.push(entry);
      }
    }
    return { entries };
  }

  /**
   * Waits until every object of the change set (deleted and skipped ones aside) is Current.
   * Returns the change set with each entry's health; throws {@link WaitError} on timeout or
   * when an object fails.
   */
  async wait(changeSet: ChangeSet, options: WaitOptions): Promise<ChangeSet> {
    const wanted = changeSet.entries.filter((e) => e.action !== 'deleted' && e.action !== 'skipped');
    const { mapped, unknown } = await mapRefs(this.discovery, wanted.map((e) => e.ref));
    const result = await waitFor(this.client, mapped, 'current', options);
    const entries = changeSet.entries.map((e) => {
      const health = result.health.get(keyOf(e.ref));
      return health ? { ...e, health } : e;
    });
    const out = { entries };
    if (unknown.length) throw new WaitError(`cannot check health of ${unknown.map(describeRef).join(', ')}: kind not served`, out);
    if (!result.ok) throw new WaitError(result.reason ?? 'objects are not healthy', out);
    return out;
  }

  /**
   * Deletes the objects of `previous` that are not in `desired`, in safe order, but only those
   * that still carry the inventory's mark and our field manager and have not opted out.
   * A Namespace that still holds objects that are not ours is kept.
   */
  async prune(previous: ObjectRef[], desired: ObjectRef[], options: PruneOptions): Promise<PruneResult> {
    return runPrune(this, previous, desired, options);
  }

  /** Concurrency limit for helpers that run requests on the manager's behalf. */
  get parallelism(): number {
    return this.concurrency;
  }

  private async prepare(manifests: Manifest[], options: ApplyOptions): Promise<{ items: Evaluated[]; stages: Stage[] }> {
    if (manifests.length === 0 && !options.allowEmpty) {
      throw new ApplyError('refusing to apply an empty set of objects: with an inventory this would prune everything it holds; pass --allow-empty (allowEmpty: true) if that is what you want', [], false);
    }
    const { items, failures } = await buildItems(manifests, { discovery: this.discovery, defaultNamespace: this.defaultNamespace, inventory: options.inventory });
    if (failures.length) throw new ApplyError(`${failures.length} object(s) cannot be applied; nothing was applied`, failures, false);
    let stages: Stage[];
    try {
      stages = planStages(items.map((i) => ({ ref: i.ref, object: i.desired, namespaced: i.namespaced })));
    } catch (err) {
      if (err instanceof StagingError) throw new ApplyError(`cannot order the objects: ${err.message}; nothing was applied`, [], false);
      throw err;
    }
    const mapped = items.filter((i) => i.mapping).map((i) => ({ ref: i.ref, mapping: i.mapping! }));
    const live = await fetchLive(this.client, mapped, this.concurrency);
    for (const i of items) i.live = live.get(i.key);
    return { items, stages };
  }

  /** Whether the item cannot be validated yet: its CRD or its namespace is created by this set. */
  private isDeferred(item: Evaluated, items: Evaluated[]): boolean {
    if (!item.mapping) return true;
    if (!item.namespaced) return false;
    const ns = items.find((i) => i.ref.kind === 'Namespace' && groupOf(i.ref.apiVersion) === '' && i.ref.name === item.ref.namespace);
    return !!ns && (!ns.live || !!ns.live.metadata.deletionTimestamp);
  }

  private async evaluateAll(items: Evaluated[], options: ApplyOptions, written: boolean): Promise<void> {
    const results = await mapLimit(items, this.concurrency, (item) => evaluate(this.client, item, { fieldManager: this.fieldManager, force: !!options.force, alwaysDryRun: this.alwaysDryRun }));
    const failures: ObjectFailure[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') items[i]!.evaluation = r.value;
      else failures.push({ object: describeManifest(items[i]!.manifest, items[i]!.ref), message: (r.reason as Error).message });
    });
    if (failures.length) {
      const summary = written
        ? `${failures.length} object(s) failed validation after the namespaces and CRDs they need were applied`
        : `${failures.length} object(s) failed validation (server-side dry-run); nothing was applied`;
      throw new ApplyError(summary, failures, written);
    }
  }

  /** After the bootstrap stage: map and validate what waited for it; roll the stage back on failure. */
  private async evaluateDeferred(items: Evaluated[], options: ApplyOptions, created: Evaluated[]): Promise<void> {
    const deferred = items.filter((i) => !i.evaluation);
    if (deferred.length === 0) return;
    try {
      for (const crd of items.filter((i) => isCRD(i.ref))) {
        const group = (crd.desired['spec'] as { group?: string } | undefined)?.group;
        if (group) this.discovery.refresh(group);
      }
      const failures: ObjectFailure[] = [];
      for (const item of deferred) {
        if (item.mapping) continue;
        item.mapping = await this.awaitKind(item.ref.apiVersion, item.ref.kind, options.stageTimeoutMs ?? 300_000);
        if (!item.mapping) failures.push({ object: describeManifest(item.manifest, item.ref), message: `kind ${item.ref.kind} of ${item.ref.apiVersion} is still not served after CustomResourceDefinition ${item.waitingForCrd} was established: check that the CRD serves this version` });
      }
      if (failures.length) throw new ApplyError(`${failures.length} object(s) have no served kind`, failures, true);
      const live = await fetchLive(this.client, deferred.map((i) => ({ ref: i.ref, mapping: i.mapping! })), this.concurrency);
      for (const i of deferred) i.live = live.get(i.key);
      await this.evaluateAll(deferred, options, true);
    } catch (err) {
      const rolledBack = await this.rollback(created);
      if (err instanceof ApplyError) {
        throw new ApplyError(`${err.message.split('\n')[0]}; ${rolledBack}`, err.failures, true);
      }
      throw err;
    }
  }

  /** Discovery of a CRD's kinds lags a little behind its Established condition: ask until it is served. */
  private async awaitKind(apiVersion: string, kind: string, timeoutMs: number): Promise<ResourceMapping | undefined> {
    const deadline = Date.now() + Math.min(timeoutMs, 30_000);
    for (;;) {
      const found = await this.discovery.lookup(apiVersion, kind);
      if (found || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Deletes the Namespaces and CRDs this run created, so a failed validation leaves nothing behind. */
  private async rollback(created: Evaluated[]): Promise<string> {
    if (created.length === 0) return 'nothing else was applied';
    const results = await mapLimit(created, this.concurrency, (i) => this.client.delete(objectRef(i.mapping!, i.ref.name, i.ref.namespace), { propagationPolicy: 'Background' }));
    const failed = created.filter((_, n) => results[n]!.status === 'rejected');
    const names = created.map((i) => describeRef(i.ref)).join(', ');
    return failed.length
      ? `the namespaces and CRDs created for them (${names}) were to be deleted again, but deleting ${failed.map((i) => describeRef(i.ref)).join(', ')} failed: delete them by hand`
      : `the namespaces and CRDs created for them were deleted again (${names}); nothing else was applied`;
  }

  /** Writes the items of a stage that would change; resolves whether anything was written. */
  private async write(members: Evaluated[], options: ApplyOptions, writtenBefore: boolean, emit: (e: ChangeSetEntry) => void): Promise<boolean> {
    const results = await mapLimit(members, this.concurrency, async (item) => {
      const ev = item.evaluation!;
      if (ev.action === 'unchanged') return;
      const ref = objectRef(item.mapping!, item.ref.name, item.ref.namespace);
      if (ev.recreate) {
        await this.client.delete(ref, { propagationPolicy: 'Foreground' });
        const gone = await waitFor(this.client, [{ ref: item.ref, mapping: item.mapping! }], 'deleted', { timeoutMs: options.stageTimeoutMs ?? 300_000, intervalMs: 500 });
        if (!gone.ok) throw new Error(`deleted to recreate it, but it is still there: ${gone.reason}`);
      }
      await this.client.apply(ref, item.desired, { fieldManager: this.fieldManager, force: !!options.force || ev.force });
    });
    const failures: ObjectFailure[] = [];
    results.forEach((r, n) => {
      const item = members[n]!;
      if (r.status === 'rejected') failures.push({ object: describeManifest(item.manifest, item.ref), message: serverMessage(r.reason) });
      else emit(this.entryOf(item));
    });
    const wrote = results.some((r, n) => r.status === 'fulfilled' && members[n]!.evaluation?.action !== 'unchanged');
    if (failures.length) {
      const any = writtenBefore || wrote;
      throw new ApplyError(`${failures.length} object(s) failed to apply${any ? ' after other objects were written' : '; nothing was applied'}`, failures, any);
    }
    return wrote;
  }

  /** Waits for the objects a stage depends on to be healthy. */
  private async gate(stage: Stage, byKey: Map<string, Evaluated>, healthy: Set<string>, options: ApplyOptions, written: boolean): Promise<void> {
    const pending = stage.healthGate.filter((k) => !healthy.has(k)).map((k) => byKey.get(k)!).filter((i) => i.mapping);
    if (pending.length === 0) return;
    await this.waitStage(`before ${stage.name}`, pending, options, written);
    for (const i of pending) healthy.add(i.key);
  }

  private async waitStage(what: string, members: Evaluated[], options: ApplyOptions, written: boolean): Promise<void> {
    const refs: MappedRef[] = members.filter((m) => m.mapping).map((m) => ({ ref: m.ref, mapping: m.mapping! }));
    if (refs.length === 0) return;
    const result = await waitFor(this.client, refs, 'current', {
      timeoutMs: options.stageTimeoutMs ?? 300_000,
      intervalMs: 250,
      onProgress: (progress) => options.onEvent?.({ type: 'waiting', what, progress }),
    });
    if (!result.ok) throw new ApplyError(`waiting ${what}: ${result.reason}`, [], written);
  }

  private entryOf(item: Evaluated): ChangeSetEntry {
    const ev = item.evaluation;
    if (!ev) {
      const why = item.waitingForCrd ? `CustomResourceDefinition ${item.waitingForCrd}` : `namespace ${item.ref.namespace}`;
      return { ref: item.ref, action: item.live ? 'configured' : 'created', message: `not validated yet: needs ${why}, which this set creates` };
    }
    return { ref: item.ref, action: ev.action, message: ev.message };
  }
}
