import type { KubeObject } from '../k8s/index.js';
import { dedupe } from './inventory.js';
import { isCRD, isNamespace, keyOf, type ObjectRef } from './objects.js';

/** The objects of the previous inventory that are gone from the new set, in safe deletion order. */
export function pruneCandidates(previous: ObjectRef[], desired: ObjectRef[]): ObjectRef[] {
  const keep = new Set(desired.map(keyOf));
  return deletionOrder(dedupe(previous).filter((r) => !keep.has(keyOf(r))));
}

/** Deletion rank: namespaced objects, then other cluster-scoped objects, then CRDs, then Namespaces. */
export function deletionRank(ref: ObjectRef): number {
  return isNamespace(ref) ? 3 : isCRD(ref) ? 2 : ref.namespace ? 0 : 1;
}

/**
 * Safe deletion order: namespaced objects, then other cluster-scoped objects, then CRDs
 * (after their custom resources), then Namespaces (after what they hold).
 */
export function deletionOrder(refs: ObjectRef[]): ObjectRef[] {
  return [...refs].sort((a, b) => deletionRank(a) - deletionRank(b));
}

/** One object found in a namespace, with the kind it was listed as. */
export interface ListedObject {
  obj: KubeObject;
  kind: string;
  group: string;
  apiVersion: string;
}

/** Label the EndpointSlice controller puts on the slices it manages. */
const SLICE_MANAGER = 'endpointslice.kubernetes.io/managed-by';

/**
 * The objects in a namespace that keep it from being pruned: every object that this prune does
 * not delete (`ours`, by {@link keyOf}), except what Kubernetes itself creates there: the
 * `kube-root-ca.crt` ConfigMap, the `default` ServiceAccount, Events, the Endpoints and
 * EndpointSlices the controllers keep for Services with a selector, and objects whose owners
 * (followed by uid, through any depth) are being deleted. A hand-made Endpoints, or a Secret
 * owned by a foreign object, keeps the namespace.
 */
export function foreignObjects(objects: ListedObject[], ours: Set<string>): ObjectRef[] {
  const byUid = new Map<string, ListedObject>();
  for (const o of objects) if (o.obj.metadata.uid) byUid.set(o.obj.metadata.uid, o);
  const selectorServices = new Set(
    objects.filter((o) => o.group === '' && o.kind === 'Service' && hasSelector(o.obj)).map((o) => o.obj.metadata.name ?? ''),
  );
  const refOfListed = (o: ListedObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.obj.metadata.namespace, name: o.obj.metadata.name ?? '' });

  const goesWithUs = new Map<string, boolean>();
  const deleted = (o: ListedObject, seen: Set<string>): boolean => {
    const uid = o.obj.metadata.uid ?? '';
    const known = goesWithUs.get(uid);
    if (known !== undefined) return known;
    if (seen.has(uid)) return false; // an ownership cycle proves nothing
    seen.add(uid);
    let result = ours.has(keyOf(refOfListed(o)));
    const owners = o.obj.metadata.ownerReferences ?? [];
    if (!result && owners.length > 0) {
      // Garbage collection deletes an object once all of its owners are gone.
      result = owners.every((owner) => {
        const listed = byUid.get(owner.uid);
        if (listed) return deleted(listed, seen);
        const clusterScoped: ObjectRef = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name };
        return ours.has(keyOf(clusterScoped)) || ours.has(keyOf({ ...clusterScoped, namespace: o.obj.metadata.namespace }));
      });
    }
    goesWithUs.set(uid, result);
    return result;
  };

  const out: ObjectRef[] = [];
  for (const o of objects) {
    if (deleted(o, new Set()) || createdByKubernetes(o, selectorServices)) continue;
    out.push(refOfListed(o));
  }
  return out;
}

/** Whether Kubernetes made the object itself, in every namespace or for a Service that selects pods. */
function createdByKubernetes(o: ListedObject, selectorServices: Set<string>): boolean {
  const { obj, kind, group } = o;
  const name = obj.metadata.name ?? '';
  if (group === '' && kind === 'ServiceAccount' && name === 'default') return true;
  if (group === '' && kind === 'ConfigMap' && name === 'kube-root-ca.crt') return true;
  if ((group === '' || group === 'events.k8s.io') && kind === 'Event') return true;
  // The endpoints controller keeps an Endpoints object, of the Service's name, only for Services with a selector.
  if (group === '' && kind === 'Endpoints') return selectorServices.has(name);
  if (group === 'discovery.k8s.io' && kind === 'EndpointSlice') {
    const service = obj.metadata.labels?.['kubernetes.io/service-name'];
    return obj.metadata.labels?.[SLICE_MANAGER] === 'endpointslice-controller.k8s.io' && !!service && selectorServices.has(service);
  }
  return false;
}

function hasSelector(service: KubeObject): boolean {
  const selector = (service['spec'] as { selector?: Record<string, string> } | undefined)?.selector;
  return !!selector && Object.keys(selector).length > 0;
}
