import { microTime, rfc3339 } from '../k8s/time.js';
/** A status condition as Kubernetes API conventions define it (metav1.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** What a reconciler says about one condition; times and generation are filled in for it. */
export type ConditionInput = Pick<Condition, 'type' | 'status'> & Partial<Pick<Condition, 'reason' | 'message'>>;

/** The condition of `type`, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether the condition of `type` has status `True`. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Returns `conditions` with `input` set: a new list, same order, the condition added at the end
 * when missing. lastTransitionTime changes only when the status changes; observedGeneration is set
 * to `generation`. Reason defaults to the status when not given (the API requires one).
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, generation: number | undefined, now: Date = new Date()): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const old = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason ?? input.status,
    message: input.message ?? '',
    lastTransitionTime: old && old.status === input.status ? old.lastTransitionTime : rfc3339(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** Returns `conditions` without the condition of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export { microTime, rfc3339 };
