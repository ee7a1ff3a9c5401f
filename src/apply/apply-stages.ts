import { objectRef, type KubeObject, type ResourceMapping } from '../k8s/index.js';
import type { ChangeSetEntry } from './changeset.js';
import { serverMessage } from './conflicts.js';
import type { Engine } from './engine.js';
import { ApplyError, failureReason, type ObjectFailure } from './errors.js';
import { fetchLive, type MappedRef } from './fetch.js';
import type { InventoryLock } from './inventory.js';
import { describeManifest, isCRD } from './objects.js';
import { checkClaims, evaluateItems, withHints, type Ownership, type Plan, type PlannedItem } from './plan.js';
import { mapLimit } from './pool.js';
import { rollbackBootstrap } from './rollback.js';
import type { Stage } from './staging.js';
import { waitFor, type WaitProgress } from './wait.js';

/** Something the engine reports while it works. */
export type ApplyEvent =
  | { type: 'stage'; stage: Stage }
  | { type: 'object'; entry: ChangeSetEntry }
  | { type: 'waiting'; what: string; progress: WaitProgress };

/** How one run writes its stages, and where it reports. */
export interface StageRun {
  force: boolean;
  ownership: Ownership;
  /** Epoch milliseconds by which every wait of the run must end. */
  deadline: number;
  lock: InventoryLock;
  /** Keys of the objects the inventory itself keeps (its record, its lock): never foreign to the run. */
  own: Set<string>;
  onEvent?: ((event: ApplyEvent) => void) | undefined;
  /** Filled as objects are handled: what was applied (or found unchanged), in order. */
  entries: ChangeSetEntry[];
  /** Keys of the objects already handled (written or found unchanged), which are not written again. */
  handled: Set<string>;
}

/**
 * Writes the plan stage by stage with server-side apply, only objects that would change, each
 * reported as soon as it is written. The bootstrap stage (Namespaces and CRDs) is waited for, then
 * the objects that needed it are validated; if any fails, the bootstrap stage is rolled back, so
 * nothing of the set stays written. Later stages wait for the health of what they depend on.
 */
export async function applyStages(engine: Engine, plan: Plan, run: StageRun): Promise<void> {
  const healthy = new Set<string>();
  let wrote = false;
  for (const stage of plan.stages) {
    run.lock.assertHeld();
    run.onEvent?.({ type: 'stage', stage });
    await gate(engine, stage, plan, healthy, run, wrote);
    const members = stage.keys.map((k) => plan.byKey.get(k)!);
    const written = await write(engine, members, run, wrote);
    wrote ||= written.length > 0;
    if (stage.scope === 'bootstrap') {
      const changed = members.filter((m) => m.evaluation?.action !== 'unchanged');
      await waitStage(engine, 'for namespaces and CRDs', changed, run, wrote);
      for (const m of members) healthy.add(m.key);
      await validateDeferred(engine, plan, run, written);
    }
  }
}

/** Writes the members that would change; returns each written item with the object the server answered. */
async function write(engine: Engine, members: PlannedItem[], run: StageRun, writtenBefore: boolean): Promise<{ item: PlannedItem; after: KubeObject }[]> {
  const written: { item: PlannedItem; after: KubeObject }[] = [];
  const failures: ObjectFailure[] = [];
  const done = new Map<string, ChangeSetEntry>();
  await mapLimit(members.filter((m) => !run.handled.has(m.key)), engine.concurrency, async (item) => {
    const ev = item.evaluation!;
    try {
      if (ev.action !== 'unchanged') {
        const ref = objectRef(item.mapping!, item.ref.name, item.ref.namespace);
        if (ev.recreate) {
          await engine.client.delete(ref, { propagationPolicy: 'Foreground', preconditions: { uid: item.live?.metadata.uid } });
          const gone = await waitFor(engine.client, [{ ref: item.ref, mapping: item.mapping! }], 'deleted', { timeoutMs: remaining(run), intervalMs: 500 });
          if (!gone.ok) throw new Error(`deleted to recreate it, but it is still there: ${gone.reason}`);
        }
        written.push({ item, after: await engine.client.apply(ref, item.desired, { fieldManager: engine.fieldManager, force: run.force || ev.force }) });
      }
      const messages = [ev.message, item.takeover].filter(Boolean).join('; ');
      const entry: ChangeSetEntry = { ref: item.ref, action: ev.action, message: messages || undefined };
      done.set(item.key, entry);
      run.onEvent?.({ type: 'object', entry });
    } catch (err) {
      failures.push({ object: describeManifest(item.manifest, item.ref), message: withHints(serverMessage(err), item), ref: item.ref, reason: failureReason(err) });
    }
  });
  // Reported as each was written; recorded in the stage's order.
  for (const m of members) {
    const entry = done.get(m.key);
    if (!entry) continue;
    run.entries.push(entry);
    run.handled.add(m.key);
  }
  if (failures.length) {
    const any = writtenBefore || written.length > 0;
    throw new ApplyError(`${failures.length} object(s) failed to apply${any ? ' after other objects were written' : '; nothing was applied'}`, failures, any);
  }
  return written;
}

/** After the bootstrap stage: map, claim and validate what waited for it; roll the stage back on failure. */
async function validateDeferred(engine: Engine, plan: Plan, run: StageRun, bootstrap: { item: PlannedItem; after: KubeObject }[]): Promise<void> {
  const deferred = plan.items.filter((i) => !i.evaluation);
  if (deferred.length === 0) return;
  try {
    for (const crd of plan.items.filter((i) => isCRD(i.ref))) {
      const group = (crd.desired['spec'] as { group?: string } | undefined)?.group;
      if (group) engine.discovery.refresh(group);
    }
    const failures: ObjectFailure[] = [];
    for (const item of deferred) {
      item.mapping ??= await awaitKind(engine, item.ref.apiVersion, item.ref.kind, remaining(run));
      if (!item.mapping) failures.push({ ref: item.ref, object: describeManifest(item.manifest, item.ref), message: `kind ${item.ref.kind} of ${item.ref.apiVersion} is still not served after CustomResourceDefinition ${item.waitingForCrd} was established: check that the CRD serves this version` });
    }
    if (failures.length) throw new ApplyError(`${failures.length} object(s) have no served kind`, failures, true);
    const live = await fetchLive(engine.client, deferred.map((i): MappedRef => ({ ref: i.ref, mapping: i.mapping! })), engine.concurrency);
    for (const i of deferred) i.live = live.get(i.key);
    // The server judges each one, even those our managed fields prove unchanged: their schema may have changed.
    failures.push(...checkClaims(deferred, run.ownership), ...(await evaluateItems(engine, deferred, run.force, true)));
    if (failures.length) throw new ApplyError(`${failures.length} object(s) failed validation after the namespaces and CRDs they need were applied`, failures, true);
  } catch (err) {
    const rolledBack = await rollbackBootstrap(engine, bootstrap, run.own);
    if (err instanceof ApplyError) {
      throw new ApplyError(`${err.summary}; ${rolledBack}`, err.failures, true, { cause: err });
    }
    throw err;
  }
}

/** Discovery of a CRD's kinds lags a little behind its Established condition: ask until it is served. */
async function awaitKind(engine: Engine, apiVersion: string, kind: string, timeoutMs: number): Promise<ResourceMapping | undefined> {
  const deadline = Date.now() + Math.min(timeoutMs, 30_000);
  for (;;) {
    const found = await engine.discovery.lookup(apiVersion, kind);
    if (found || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits for the objects a stage depends on to be healthy. */
async function gate(engine: Engine, stage: Stage, plan: Plan, healthy: Set<string>, run: StageRun, written: boolean): Promise<void> {
  const pending = stage.healthGate.filter((k) => !healthy.has(k)).map((k) => plan.byKey.get(k)!).filter((i) => i.mapping);
  if (pending.length === 0) return;
  await waitStage(engine, `before ${stage.name}`, pending, run, written);
  for (const i of pending) healthy.add(i.key);
}

async function waitStage(engine: Engine, what: string, members: PlannedItem[], run: StageRun, written: boolean): Promise<void> {
  const refs: MappedRef[] = members.filter((m) => m.mapping).map((m) => ({ ref: m.ref, mapping: m.mapping! }));
  if (refs.length === 0) return;
  const result = await waitFor(engine.client, refs, 'current', {
    timeoutMs: remaining(run),
    intervalMs: 250,
    onProgress: (progress) => run.onEvent?.({ type: 'waiting', what, progress }),
  });
  if (!result.ok) throw new ApplyError(`waiting ${what}: ${result.reason}`, [], written);
}

/** Milliseconds left before the run's deadline. */
export function remaining(run: { deadline: number }): number {
  return Math.max(0, run.deadline - Date.now());
}
