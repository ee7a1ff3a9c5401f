import { isDeepStrictEqual } from 'node:util';
import type { KubeClient, KubeObject } from '../k8s/index.js';
import { setCondition, type Condition, type ConditionInput } from './conditions.js';
import { refOf, type Kind } from './kinds.js';

/** The status fields the runtime manages; the rest is the operator's own. */
export interface StatusWithConditions {
  observedGeneration?: number;
  conditions?: Condition[];
  [field: string]: unknown;
}

/**
 * Writes `status` through the status subresource with a merge patch (fields not named are kept;
 * `conditions` is replaced as a whole). Resolves the object as stored; skips the request and
 * returns `obj` when nothing would change, so an unchanged reconcile does not write.
 */
export async function patchStatus<T extends KubeObject>(client: KubeClient, kind: Kind, obj: T, status: Record<string, unknown>): Promise<T> {
  const current = (obj.status ?? {}) as Record<string, unknown>;
  if (Object.entries(status).every(([k, v]) => isDeepStrictEqual(current[k], v))) return obj;
  return client.patch<T>(refOf(kind, obj.metadata.namespace, obj.metadata.name, 'status'), 'merge', { status });
}

/**
 * Sets conditions (with observedGeneration = metadata.generation, lastTransitionTime kept unless the
 * status flips) and `status.observedGeneration`, plus any `extra` status fields, in one status patch.
 */
export async function updateStatus<T extends KubeObject>(client: KubeClient, kind: Kind, obj: T, conditions: ConditionInput[], extra: Record<string, unknown> = {}): Promise<T> {
  const current = (obj.status ?? {}) as StatusWithConditions;
  const generation = obj.metadata.generation;
  let list = current.conditions;
  for (const c of conditions) list = setCondition(list, c, generation);
  return patchStatus(client, kind, obj, { ...extra, observedGeneration: generation, conditions: list ?? [] });
}
