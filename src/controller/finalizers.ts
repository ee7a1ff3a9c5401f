import { isNotFound, type KubeClient, type KubeObject } from '../k8s/index.js';
import { refOf, type Kind } from './kinds.js';

/** Whether `obj` carries `finalizer`. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** Whether `obj` is being deleted (it has a deletionTimestamp). */
export function isDeleting(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/**
 * Adds `finalizer` to `obj` with a JSON patch, never a full update. The patch tests the list it
 * read (or the resourceVersion when there is none), so a concurrent change makes it fail and the
 * reconcile retries instead of overwriting someone else's finalizer. Returns the patched object.
 */
export async function addFinalizer<T extends KubeObject>(client: KubeClient, kind: Kind, obj: T, finalizer: string): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const current = obj.metadata.finalizers;
  const ops = current && current.length > 0
    ? [{ op: 'test', path: '/metadata/finalizers', value: current }, { op: 'add', path: '/metadata/finalizers/-', value: finalizer }]
    : [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }, { op: 'add', path: '/metadata/finalizers', value: [finalizer] }];
  return client.patch<T>(refOf(kind, obj.metadata.namespace, obj.metadata.name), 'json', ops);
}

/**
 * Removes `finalizer` from `obj` with a JSON patch that first tests the entry is still where it
 * was read. Resolves `undefined` when the object is gone (the removal let it be deleted).
 */
export async function removeFinalizer<T extends KubeObject>(client: KubeClient, kind: Kind, obj: T, finalizer: string): Promise<T | undefined> {
  const index = obj.metadata.finalizers?.indexOf(finalizer) ?? -1;
  if (index < 0) return obj;
  const ops = [
    { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizer },
    { op: 'remove', path: `/metadata/finalizers/${index}` },
  ];
  try {
    return await client.patch<T>(refOf(kind, obj.metadata.namespace, obj.metadata.name), 'json', ops);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
