import { parseApiVersion, type KubeObject, type OwnerReference } from '../k8s/index.js';

/** The controller owner reference pointing at `owner` (controller and blockOwnerDeletion set). */
export function controllerReference(owner: KubeObject): OwnerReference {
  const { apiVersion, kind } = owner;
  const { name, uid } = owner.metadata;
  if (!apiVersion || !kind || !name || !uid) {
    throw new Error(`cannot point an owner reference at ${kind ?? '?'} ${name ?? '?'}: it needs apiVersion, kind, metadata.name and metadata.uid (use the object read from the API server)`);
  }
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** The owner reference of `obj` that has `controller: true`, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/**
 * Makes `owner` the controller of `child` (in place), keeping its other owner references.
 * Throws when another object already controls `child`, as two controllers would fight over it.
 */
export function setControllerReference<C extends KubeObject>(child: C, owner: KubeObject): C {
  const ref = controllerReference(owner);
  const existing = controllerOf(child);
  if (existing && existing.uid !== ref.uid) {
    throw new Error(`${child.kind ?? 'object'} ${child.metadata.namespace ? `${child.metadata.namespace}/` : ''}${child.metadata.name ?? ''} is already controlled by ${existing.kind} ${existing.name}; it cannot also be controlled by ${ref.kind} ${ref.name}`);
  }
  if (owner.metadata.namespace && child.metadata.namespace && owner.metadata.namespace !== child.metadata.namespace) {
    throw new Error(`${ref.kind} ${owner.metadata.namespace}/${ref.name} cannot own an object in namespace ${child.metadata.namespace}: owner references do not cross namespaces (use a cluster-scoped owner)`);
  }
  const others = (child.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  child.metadata.ownerReferences = [...others, ref];
  return child;
}

/** Whether `ref` points at an object of `apiVersion`'s group and `kind` (any version). */
export function refersToKind(ref: OwnerReference, apiVersion: string, kind: string): boolean {
  return ref.kind === kind && parseApiVersion(ref.apiVersion).group === parseApiVersion(apiVersion).group;
}
