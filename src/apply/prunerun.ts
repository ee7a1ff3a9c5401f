import { isApiError, objectRef, type KubeObject } from '../k8s/index.js';
import type { ChangeSetEntry, ChangeSet } from './changeset.js';
import { serverMessage } from './conflicts.js';
import { ApplyError, type ObjectFailure } from './errors.js';
import { fetchLive, type MappedRef } from './fetch.js';
import type { ResourceManager } from './manager.js';
import { describeRef, groupOf, isCRD, isNamespace, keyOf, type ObjectRef } from './objects.js';
import { mapLimit } from './pool.js';
import { foreignObjects, pruneCandidates, pruneRefusal } from './prune.js';

/** Options of a prune. */
export interface PruneOptions {
  /** The inventory whose objects may be deleted (their `capstan.dev/inventory` mark). */
  inventory: string;
  /** Decide and report, delete nothing. */
  dryRun?: boolean;
  /** Accept an empty desired set (which prunes everything the inventory holds). */
  allowEmpty?: boolean;
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

/** See {@link ResourceManager.prune}. */
export async function runPrune(rm: ResourceManager, previous: ObjectRef[], desired: ObjectRef[], options: PruneOptions): Promise<PruneResult> {
  if (desired.length === 0 && previous.length > 0 && !options.allowEmpty) {
    throw new ApplyError(`refusing to prune all ${previous.length} objects of inventory "${options.inventory}": the desired set is empty; pass --allow-empty (allowEmpty: true) if that is what you want`, [], false);
  }
  const candidates = pruneCandidates(previous, desired);
  const mapped: MappedRef[] = [];
  for (const ref of candidates) {
    const version = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[1] : ref.apiVersion;
    const mapping = await rm.discovery.resourceForGroupKind(groupOf(ref.apiVersion), ref.kind, version);
    if (mapping) mapped.push({ ref, mapping }); // no mapping: its CRD is gone, and so is the object
  }
  const live = await fetchLive(rm.client, mapped, rm.parallelism);
  const desiredNamespaces = new Set(desired.map((r) => r.namespace).filter((n): n is string => !!n));
  const entries: ChangeSetEntry[] = [];
  const failures: ObjectFailure[] = [];
  const retained: ObjectRef[] = [];
  const deleted = new Set<string>(candidates.map(keyOf).filter((k) => !live.has(k)));

  const rank = (r: ObjectRef): number => (isNamespace(r) ? 3 : isCRD(r) ? 2 : r.namespace ? 0 : 1);
  for (let level = 0; level <= 3; level++) {
    const batch = mapped.filter((m) => rank(m.ref) === level && live.has(keyOf(m.ref)));
    const results = await mapLimit(batch, rm.parallelism, async (m): Promise<ChangeSetEntry> => {
      const obj = live.get(keyOf(m.ref))!;
      const refusal = pruneRefusal(obj, options.inventory, rm.fieldManager);
      if (refusal) return { ref: m.ref, action: 'skipped', message: refusal };
      if (level === 3) {
        if (desiredNamespaces.has(m.ref.name)) return { ref: m.ref, action: 'skipped', message: 'still holds objects of this apply set' };
        const foreign = await foreignIn(rm, m.ref.name, deleted);
        if (foreign.length) {
          const list = foreign.slice(0, 5).map(describeRef).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
          retained.push(m.ref); // still ours: pruned by a later sync once nothing foreign is left in it
          return { ref: m.ref, action: 'skipped', message: `kept: holds objects this inventory did not apply (${list})` };
        }
      }
      if (level === 2) {
        // Deleting a CRD deletes every custom resource of it, whoever made them.
        const foreign = await foreignCustomResources(rm, obj, deleted);
        if (foreign.length) {
          const list = foreign.slice(0, 5).map(describeRef).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
          retained.push(m.ref);
          return { ref: m.ref, action: 'skipped', message: `kept: custom resources this inventory did not apply still use it (${list})` };
        }
      }
      if (!options.dryRun) {
        await rm.client.delete(objectRef(m.mapping, m.ref.name, m.ref.namespace), { propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } });
      }
      deleted.add(keyOf(m.ref));
      return { ref: m.ref, action: 'deleted' };
    });
    results.forEach((r, n) => {
      const m = batch[n]!;
      if (r.status === 'fulfilled') entries.push(r.value);
      else {
        failures.push({ object: describeRef(m.ref), message: `delete failed: ${serverMessage(r.reason)}` });
        retained.push(m.ref);
      }
    });
  }
  return { changeSet: { entries }, retained, failures, live };
}

/** Objects in namespace `ns` that are neither ours (`ours`) nor created automatically. */
async function foreignIn(rm: ResourceManager, ns: string, ours: Set<string>): Promise<ObjectRef[]> {
  const resources = (await rm.discovery.preferredResources()).filter((r) => r.namespaced && r.verbs.includes('list'));
  const found: { obj: KubeObject; kind: string; group: string; apiVersion: string }[] = [];
  const forbidden: string[] = [];
  await mapLimit(resources, rm.parallelism, async (r) => {
    try {
      const list = await rm.client.list({ group: r.group, version: r.version, resource: r.resource, namespace: ns });
      const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
      for (const obj of list.items) found.push({ obj, kind: r.kind, group: r.group, apiVersion });
    } catch (err) {
      // Objects we may not see could be foreign: keep the namespace. An API that is not
      // served right now (404, 503 of an aggregated API) holds nothing we could lose.
      if (isApiError(err, 403) || isApiError(err, 401)) forbidden.push(r.resource);
    }
  });
  const foreign = foreignObjects(found, ours);
  if (forbidden.length) foreign.push({ apiVersion: 'v1', kind: `(unlistable: ${forbidden.join(', ')})`, namespace: ns, name: '?' });
  return foreign;
}

/** Custom resources of a CRD, in any namespace, that are not ours (`ours`, by {@link keyOf}). */
async function foreignCustomResources(rm: ResourceManager, crd: KubeObject, ours: Set<string>): Promise<ObjectRef[]> {
  const spec = crd.spec as { group: string; names: { plural: string; kind: string }; versions?: { name: string; served?: boolean }[] } | undefined;
  const version = spec?.versions?.find((v) => v.served !== false)?.name;
  if (!spec || !version) return [];
  const apiVersion = `${spec.group}/${version}`;
  const list = await rm.client.list({ group: spec.group, version, resource: spec.names.plural });
  return list.items
    .map((obj): ObjectRef => ({ apiVersion, kind: spec.names.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }))
    .filter((ref) => !ours.has(keyOf(ref)));
}
