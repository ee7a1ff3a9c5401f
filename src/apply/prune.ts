import type { KubeObject } from '../k8s/index.js';
import { Annotations, pruneDisabled } from './annotations.js';
import { applyEntry } from './fieldset.js';
import { dedupe } from './inventory.js';
import { isCRD, isNamespace, keyOf, type ObjectRef } from './objects.js';

/** The objects of the previous inventory that are gone from the new set, in safe deletion order. */
export function pruneCandidates(previous: ObjectRef[], desired: ObjectRef[]): ObjectRef[] {
  const keep = new Set(desired.map(keyOf));
  return deletionOrder(dedupe(previous).filter((r) => !keep.has(keyOf(r))));
}

/**
 * Safe deletion order: namespaced objects, then other cluster-scoped objects, then CRDs
 * (after their custom resources), then Namespaces (after what they hold).
 */
export function deletionOrder(refs: ObjectRef[]): ObjectRef[] {
  const rank = (r: ObjectRef): number => (isNamespace(r) ? 3 : isCRD(r) ? 2 : r.namespace ? 0 : 1);
  return [...refs].sort((a, b) => rank(a) - rank(b));
}

/**
 * Why `live` must not be pruned by inventory `inventory`, or `undefined` when it may be:
 * it has to carry the inventory's mark and still be applied by `manager`, and must not
 * have opted out.
 */
export function pruneRefusal(live: KubeObject, inventory: string, manager: string): string | undefined {
  if (pruneDisabled(live)) return `pruning disabled by annotation ${Annotations.prune}`;
  const mark = live.metadata.annotations?.[Annotations.inventory];
  if (mark !== inventory) {
    return mark ? `now belongs to inventory "${mark}"` : `not marked as applied by inventory "${inventory}" (annotation ${Annotations.inventory})`;
  }
  if (!applyEntry(live, manager)) return `field manager "${manager}" no longer applies it`;
  return undefined;
}

/** Objects Kubernetes creates in every namespace, or for other objects, that never block its deletion. */
export function isAutomatic(obj: KubeObject, kind: string, group: string): boolean {
  if (obj.metadata.ownerReferences?.length) return true;
  if (group === '' && kind === 'ServiceAccount' && obj.metadata.name === 'default') return true;
  if (group === '' && kind === 'ConfigMap' && obj.metadata.name === 'kube-root-ca.crt') return true;
  if (group === '' && kind === 'Endpoints') return true;
  if ((group === '' || group === 'events.k8s.io') && kind === 'Event') return true;
  return false;
}

/**
 * The objects in a namespace that keep it from being pruned: neither ours (in `ours`, by
 * {@link keyOf}) nor created automatically.
 */
export function foreignObjects(objects: { obj: KubeObject; kind: string; group: string; apiVersion: string }[], ours: Set<string>): ObjectRef[] {
  const out: ObjectRef[] = [];
  for (const { obj, kind, group, apiVersion } of objects) {
    const ref: ObjectRef = { apiVersion, kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
    if (ours.has(keyOf(ref)) || isAutomatic(obj, kind, group)) continue;
    out.push(ref);
  }
  return out;
}
