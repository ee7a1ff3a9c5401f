import type { Health } from './health.js';
import type { ObjectRef } from './objects.js';

/**
 * What happened (or, in a dry run or diff, would happen) to one object: `skipped` objects were
 * left alone on purpose (a prune guard), `failed` ones were tried and refused, and `pending` ones
 * were never tried because the run stopped before their stage.
 */
export type Action = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed' | 'pending';

/** One object's line in a change set. */
export interface ChangeSetEntry {
  ref: ObjectRef;
  action: Action;
  /** Why, for skipped objects, recreated ones and anything unusual. */
  message?: string | undefined;
  /** Unified diff of live → merged, filled by diff. */
  diff?: string | undefined;
  /** Health, filled by wait. */
  health?: Health | undefined;
}

/** The result of apply, diff, wait or prune: one entry per object, in the order handled. */
export interface ChangeSet {
  entries: ChangeSetEntry[];
}

/** Whether a change set holds anything that changes the cluster. */
export function hasChanges(set: ChangeSet): boolean {
  return set.entries.some((e) => e.action === 'created' || e.action === 'configured' || e.action === 'deleted');
}

/** Counts of entries per action. */
export function summarize(set: ChangeSet): Record<Action, number> {
  const out: Record<Action, number> = { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 0, pending: 0 };
  for (const e of set.entries) out[e.action]++;
  return out;
}
