import type { KubeObject } from '../k8s/index.js';
import { applyStages, remaining, type ApplyEvent, type StageRun } from './apply-stages.js';
import type { ChangeSet, ChangeSetEntry } from './changeset.js';
import type { Engine } from './engine.js';
import { ApplyError, InventoryError } from './errors.js';
import { dedupe, heldByCaller, type InventoryLock, type InventoryStore } from './inventory.js';
import { prune } from './manager-prune.js';
import { waitHealthy, WaitError } from './manager-wait.js';
import { describeManifest, keyOf, type Manifest, type ObjectRef } from './objects.js';
import { describeOwner } from './ownership.js';
import { checkClaims, entryOf, evaluateItems, isDeferred, planSet, type Ownership, type Plan, type PlannedItem } from './plan.js';
import { rollbackBootstrap } from './rollback.js';
import { isBootstrap } from './staging.js';

/** Options of {@link sync}. */
export interface SyncOptions {
  /**
   * Take fields that other appliers own.
   * @default false
   */
  force?: boolean | undefined;
  /**
   * Validate and report what would change; write nothing.
   * @default false
   */
  dryRun?: boolean | undefined;
  /**
   * Take objects over from the inventories that own them (one object can also ask for it with the
   * annotation `capstan.dev/adopt: "true"`).
   * @default false
   */
  adopt?: boolean | undefined;
  /**
   * Accept an empty set, which with `prune` deletes everything the inventory holds.
   * @default false
   */
  allowEmpty?: boolean | undefined;
  /**
   * Delete what the inventory recorded last and the set no longer holds.
   * @default true when there is an inventory
   */
  prune?: boolean | undefined;
  /**
   * Wait until every object is healthy before pruning.
   * @default false
   */
  wait?: boolean | undefined;
  /**
   * Bound of all waits of the run together: namespaces and CRDs, earlier waves, health.
   * @default 300_000
   */
  timeoutMs?: number | undefined;
  /**
   * How long to wait for the inventory's lock while another run holds it.
   * @default 60_000
   */
  lockWaitMs?: number | undefined;
  /** Progress: stages, each object as it is written, waits, and who holds the lock. */
  onEvent?: ((event: SyncEvent) => void) | undefined;
}

/** Progress of a sync. */
export type SyncEvent = ApplyEvent | { type: 'locked'; holder: string } | { type: 'pruned'; entry: ChangeSetEntry };

/** What a sync did, and what the inventory records now. */
export interface SyncResult extends ChangeSet {
  /** The objects the inventory records after the run. */
  inventory: ObjectRef[];
}

/**
 * The one sequence every deployer runs: lock the inventory, validate the whole set, record the
 * union of the old and the new set, apply in stages, wait for health, prune what the old set held
 * and the new one does not, and record the new set. Without an inventory it only applies.
 *
 * Nothing is written unless every object validated and the record could be written first. On any
 * failure it throws {@link ApplyError} whose `changeSet` holds what was written, what failed and,
 * as `pending`, what was never tried.
 */
export async function sync(engine: Engine, manifests: Manifest[], inventory: InventoryStore | undefined, options: SyncOptions = {}): Promise<SyncResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const plan = await planSet(engine, manifests, { owner: inventory?.id, allowEmpty: options.allowEmpty });
  const run: StageRun = {
    force: !!options.force,
    ownership: { owner: inventory?.id, legacyName: inventory?.name, adopt: options.adopt },
    deadline,
    lock: heldByCaller,
    own: new Set((inventory?.objects ?? []).map(keyOf)),
    onEvent: options.onEvent,
    entries: [],
    handled: new Set(),
  };
  const early: { item: PlannedItem; after: KubeObject }[] = [];
  let recorded = false;
  let lock: InventoryLock = heldByCaller;
  try {
    const desired = plan.items.map((i) => i.ref);
    if (inventory) {
      checkInventoryObjects(plan, inventory);
      inventory.checkCapacity(desired);
    }
    if (inventory?.namespace && !options.dryRun) early.push(...(await ensureInventoryNamespace(engine, plan, inventory)));
    if (inventory && !options.dryRun) {
      lock = await inventory.lock({ waitMs: options.lockWaitMs, onWait: (holder) => options.onEvent?.({ type: 'locked', holder }) });
      run.lock = lock;
    }
    const previous = (await inventory?.load()) ?? [];
    run.ownership.recorded = previous;
    inventory?.checkCapacity(dedupe([...previous, ...desired]));
    await validate(engine, plan, run.ownership, !!options.force);

    if (options.dryRun) return await dryRun(engine, plan, inventory, previous, options);

    if (inventory) {
      lock.assertHeld();
      await inventory.save(dedupe([...previous, ...desired]));
      recorded = true;
    }
    for (const { item } of early) {
      const entry: ChangeSetEntry = { ref: item.ref, action: 'created' };
      run.entries.push(entry);
      run.handled.add(keyOf(item.ref));
      options.onEvent?.({ type: 'object', entry });
    }
    await applyStages(engine, plan, run);

    let result: ChangeSet = { entries: run.entries };
    if (options.wait) result = await waitHealthy(engine, result, { timeoutMs: remaining(run), onProgress: (progress) => options.onEvent?.({ type: 'waiting', what: 'for health', progress }) });
    if (!inventory) return { ...result, inventory: [] };
    if (options.prune === false) return { ...result, inventory: dedupe([...previous, ...desired]) };

    lock.assertHeld();
    const pruned = await prune(engine, previous, desired, { owner: inventory.id, legacyName: inventory.name, allowEmpty: options.allowEmpty });
    for (const entry of pruned.changeSet.entries) options.onEvent?.({ type: 'pruned', entry });
    const now = dedupe([...desired, ...pruned.retained]);
    lock.assertHeld();
    await inventory.save(now);
    const entries = [...result.entries, ...pruned.changeSet.entries];
    if (pruned.failures.length) {
      throw new ApplyError(`${pruned.failures.length} object(s) could not be pruned; they stay in the inventory and are tried again next time`, pruned.failures, true, { changeSet: { entries } });
    }
    return { entries, inventory: now };
  } catch (err) {
    const written = early.length > 0 || run.entries.some((e) => e.action === 'created' || e.action === 'configured');
    let rolledBack = '';
    if (!recorded && early.length > 0) {
      // Nothing else was written: the inventory's namespace, created just now, goes too.
      rolledBack = await rollbackBootstrap(engine, early, run.own);
      run.entries.splice(0);
    }
    throw asApplyError(err, plan, run, written && !rolledBack, rolledBack);
  } finally {
    await lock.release();
  }
}

/** Claims and validates every object that can be judged before anything is written; throws ApplyError naming each refused one. */
async function validate(engine: Engine, plan: Plan, ownership: Ownership, force: boolean): Promise<void> {
  const claims = checkClaims(plan.items, ownership);
  const bootstrap = plan.items.filter((i) => isBootstrap(i.ref));
  const failures = [...claims, ...(await evaluateItems(engine, bootstrap, force))];
  const rest = plan.items.filter((i) => !isBootstrap(i.ref) && !isDeferred(i, plan));
  failures.push(...(await evaluateItems(engine, rest, force)));
  if (failures.length) throw new ApplyError(`${failures.length} object(s) failed validation (server-side dry-run and ownership); nothing was applied`, failures, false);
}

/** The set may not hold the objects that hold its own record and lock. */
function checkInventoryObjects(plan: Plan, inventory: InventoryStore): void {
  const clashes = inventory.objects.map((ref) => plan.byKey.get(keyOf(ref))).filter((i): i is PlannedItem => !!i);
  if (clashes.length) {
    const failures = clashes.map((c) => ({ ref: c.ref, object: describeManifest(c.manifest, c.ref), message: `this name is taken by inventory ${describeOwner(inventory.id)}: rename the object or choose another inventory name` }));
    throw new ApplyError(`the set contains objects that inventory ${describeOwner(inventory.id)} keeps for itself; nothing was applied`, failures, false);
  }
}

/**
 * Makes sure the record's namespace exists before anything else: when it is missing and the set
 * holds it, that Namespace is written first (marked as the set's); when the set does not hold it,
 * the run stops before writing.
 */
async function ensureInventoryNamespace(engine: Engine, plan: Plan, inventory: InventoryStore): Promise<{ item: PlannedItem; after: KubeObject }[]> {
  const ns = inventory.namespace!;
  const ref = { group: '', version: 'v1', resource: 'namespaces', name: ns };
  const live = await engine.client.get(ref);
  if (live && !live.metadata.deletionTimestamp) return [];
  const item = plan.byKey.get(keyOf({ apiVersion: 'v1', kind: 'Namespace', name: ns }));
  if (live) throw new InventoryError(`the namespace ${ns} of inventory ${inventory.id} is being deleted: wait until it is gone, or choose another inventory namespace`);
  if (!item) throw new InventoryError(`the namespace ${ns} of inventory ${inventory.id} does not exist: create it, add it to the set, or choose another inventory namespace`);
  const failures = checkClaims([item], { owner: inventory.id });
  if (failures.length) throw new ApplyError('the inventory namespace cannot be applied; nothing was applied', failures, false);
  const after = await engine.client.apply(ref, item.desired, { fieldManager: engine.fieldManager });
  // Its objects can now be validated up front; the rollback still sees it as created by this run.
  const created = { ...item, live: undefined };
  item.live = after;
  return [{ item: created, after }];
}

/** What a dry run reports: each object's evaluation, and what prune would delete. */
async function dryRun(engine: Engine, plan: Plan, inventory: InventoryStore | undefined, previous: ObjectRef[], options: SyncOptions): Promise<SyncResult> {
  const entries: ChangeSetEntry[] = [];
  for (const stage of plan.stages) for (const key of stage.keys) entries.push(entryOf(plan.byKey.get(key)!));
  if (inventory && options.prune !== false) {
    const pruned = await prune(engine, previous, plan.items.map((i) => i.ref), { owner: inventory.id, legacyName: inventory.name, dryRun: true, allowEmpty: options.allowEmpty });
    entries.push(...pruned.changeSet.entries);
  }
  for (const entry of entries) options.onEvent?.({ type: 'object', entry });
  return { entries, inventory: previous };
}

/** Any failure as an ApplyError that carries the partial change set: written, failed, never tried. */
function asApplyError(err: unknown, plan: Plan, run: StageRun, written: boolean, rolledBack: string): ApplyError {
  const entries: ChangeSetEntry[] = [...run.entries];
  if (err instanceof ApplyError) entries.push(...err.changeSet.entries.filter((e) => e.action === 'deleted' || e.action === 'skipped' || e.action === 'failed'));
  const seen = new Set(entries.map((e) => keyOf(e.ref)));
  for (const failure of err instanceof ApplyError ? err.failures : []) {
    if (!failure.ref || seen.has(keyOf(failure.ref))) continue;
    entries.push({ ref: failure.ref, action: 'failed', message: failure.message });
    seen.add(keyOf(failure.ref));
  }
  for (const stage of plan.stages) {
    for (const key of stage.keys) {
      if (!seen.has(key)) entries.push({ ref: plan.byKey.get(key)!.ref, action: 'pending', message: 'not tried: the run stopped before its stage' });
    }
  }
  const changeSet = { entries };
  const suffix = rolledBack ? `; ${rolledBack}` : '';
  if (err instanceof ApplyError) {
    const error = new ApplyError(`${err.summary}${suffix}`, err.failures, written || err.written, { cause: err.cause ?? err, changeSet });
    return error;
  }
  if (err instanceof WaitError) return new ApplyError(`waiting for health: ${err.message}`, [], written, { cause: err, changeSet: { entries: mergeHealth(entries, err.changeSet) } });
  const message = err instanceof Error ? err.message : String(err);
  return new ApplyError(`${message}${suffix}${written ? '' : '; nothing was applied'}`, [], written, { cause: err, changeSet });
}

function mergeHealth(entries: ChangeSetEntry[], waited: ChangeSet): ChangeSetEntry[] {
  const health = new Map(waited.entries.map((e) => [keyOf(e.ref), e.health]));
  return entries.map((e) => (health.get(keyOf(e.ref)) ? { ...e, health: health.get(keyOf(e.ref)) } : e));
}
