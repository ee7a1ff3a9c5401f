import { objectRef, type KubeObject } from '../k8s/index.js';
import type { ChangeSet, ChangeSetEntry } from './changeset.js';
import { serverMessage } from './conflicts.js';
import type { Engine } from './engine.js';
import { ApplyError, failureReason, type ObjectFailure } from './errors.js';
import { fetchLive, type MappedRef } from './fetch.js';
import { foreignCustomResources, foreignInNamespace, listSome } from './foreign.js';
import { describeRef, groupOf, keyOf, type ObjectRef } from './objects.js';
import { describeOwner, pruneRefusal } from './ownership.js';
import { mapLimit } from './pool.js';
import { deletionRank, pruneCandidates } from './prune.js';

/** Options of a prune. */
export interface PruneOptions {
  /** The owner id of the inventory whose objects may be deleted (their `capstan.dev/inventory` mark). */
  owner: string;
  /** The inventory's bare name, accepted as the mark of objects it recorded before marks named their namespace. */
  legacyName?: string | undefined;
  /**
   * Decide and report, delete nothing.
   * @default false
   */
  dryRun?: boolean | undefined;
  /**
   * Accept an empty desired set, which prunes everything the inventory holds.
   * @default false
   */
  allowEmpty?: boolean | undefined;
}

/** What a prune did. */
export interface PruneResult {
  changeSet: ChangeSet;
  /** Objects that could not be deleted yet (a failed delete, or foreign objects still inside) and stay in the inventory, to be tried again. */
  retained: ObjectRef[];
  /** Objects that could not be deleted, and why. */
  failures: ObjectFailure[];
  /** The live objects looked at, by key. */
  live: Map<string, KubeObject>;
}

/**
 * Deletes the objects of `previous` that are not in `desired`, in safe order (namespaced objects,
 * cluster-scoped ones, CRDs, Namespaces), each only if its live mark names this inventory, our
 * field manager still applies real fields of it, and it has not opted out. A Namespace that holds
 * anything this prune does not delete, and a CRD with custom resources it does not delete, are
 * kept and retained in the inventory. Every delete is guarded by the uid that was checked.
 */
export async function prune(engine: Engine, previous: ObjectRef[], desired: ObjectRef[], options: PruneOptions): Promise<PruneResult> {
  if (desired.length === 0 && previous.length > 0 && !options.allowEmpty) {
    throw new ApplyError(`refusing to prune all ${previous.length} objects of inventory ${describeOwner(options.owner)}: the desired set is empty; allow an empty set if that is what you want`, [], false);
  }
  const candidates = pruneCandidates(previous, desired);
  const mapped: MappedRef[] = [];
  for (const ref of candidates) {
    const version = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[1] : ref.apiVersion;
    const mapping = await engine.discovery.resourceForGroupKind(groupOf(ref.apiVersion), ref.kind, version);
    if (mapping) mapped.push({ ref, mapping }); // no mapping: its CRD is gone, and so is the object
  }
  const live = await fetchLive(engine.client, mapped, engine.concurrency);
  const desiredNamespaces = new Set(desired.map((r) => r.namespace).filter((n): n is string => !!n));
  const entries: ChangeSetEntry[] = [];
  const failures: ObjectFailure[] = [];
  const retained: ObjectRef[] = [];
  const deleted = new Set<string>(candidates.map(keyOf).filter((k) => !live.has(k)));
  const claim = { owner: options.owner, legacyName: options.legacyName, recorded: true };

  for (let level = 0; level <= 3; level++) {
    const batch = mapped.filter((m) => deletionRank(m.ref) === level && live.has(keyOf(m.ref)));
    const results = await mapLimit(batch, engine.concurrency, async (m): Promise<ChangeSetEntry> => {
      const obj = live.get(keyOf(m.ref))!;
      const refusal = pruneRefusal(obj, claim, engine.fieldManager);
      if (refusal) return { ref: m.ref, action: 'skipped', message: refusal };
      if (level === 3) {
        if (desiredNamespaces.has(m.ref.name)) return { ref: m.ref, action: 'skipped', message: 'still holds objects of this apply set' };
        const foreign = await foreignInNamespace(engine, m.ref.name, deleted);
        if (foreign.length) {
          retained.push(m.ref); // still ours: pruned by a later sync once nothing foreign is left in it
          return { ref: m.ref, action: 'skipped', message: `kept: holds objects this inventory did not apply (${listSome(foreign, describeRef)})` };
        }
      }
      if (level === 2) {
        const foreign = await foreignCustomResources(engine, obj, deleted);
        if (foreign.length) {
          retained.push(m.ref);
          return { ref: m.ref, action: 'skipped', message: `kept: custom resources this inventory did not apply still use it (${listSome(foreign, describeRef)})` };
        }
      }
      if (!options.dryRun) {
        await engine.client.delete(objectRef(m.mapping, m.ref.name, m.ref.namespace), { propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } });
      }
      deleted.add(keyOf(m.ref));
      return { ref: m.ref, action: 'deleted' };
    });
    results.forEach((r, n) => {
      const m = batch[n]!;
      if (r.status === 'fulfilled') entries.push(r.value);
      else {
        failures.push({ object: describeRef(m.ref), message: `delete failed: ${serverMessage(r.reason)}`, ref: m.ref, reason: failureReason(r.reason) });
        entries.push({ ref: m.ref, action: 'failed', message: `delete failed: ${serverMessage(r.reason)}` });
        retained.push(m.ref);
      }
    });
  }
  return { changeSet: { entries }, retained, failures, live };
}
