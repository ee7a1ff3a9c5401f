import type { KubeClient, KubeObject } from '../k8s/index.js';
import { refOf, type Kind } from './kinds.js';
import { setControllerReference } from './ownerrefs.js';

/**
 * Server-side applies `child` as a dependent of `owner`: sets apiVersion, kind and the controller
 * owner reference, then applies with `fieldManager` (conflicts forced: the operator owns the fields
 * it sets). Send only the fields the operator means to own. Resolves the object as stored.
 */
export function applyOwned<T extends KubeObject>(client: KubeClient, fieldManager: string, kind: Kind, owner: KubeObject, child: T): Promise<T> {
  const body = { ...child, apiVersion: kind.apiVersion, kind: kind.kind, metadata: { ...child.metadata } } as T;
  if (!body.metadata.name) throw new Error(`cannot apply a ${kind.kind} without metadata.name (owner ${owner.kind} ${owner.metadata.name ?? ''})`);
  if (kind.namespaced && !body.metadata.namespace) body.metadata.namespace = owner.metadata.namespace;
  if (kind.namespaced && !body.metadata.namespace) throw new Error(`cannot apply ${kind.kind} ${body.metadata.name}: it is namespaced, give metadata.namespace (its owner ${owner.kind} ${owner.metadata.name ?? ''} is cluster-scoped)`);
  setControllerReference(body, owner);
  return client.apply<T>(refOf(kind, body.metadata.namespace, body.metadata.name), body, { fieldManager, force: true });
}
