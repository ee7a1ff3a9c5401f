import { summarize, type ChangeSet } from '../apply/index.js';
import { SYNC_HISTORY_LIMIT } from '../constructs/schema/index.js';

/** One applied revision, as `status.history` keeps it. */
export interface HistoryEntry {
  revision: string;
  time: string;
  subject?: string | undefined;
  created: number;
  configured: number;
  deleted: number;
}

/** What a change set did, counted the way the history and Events report it. */
export function changeCounts(set: ChangeSet): Pick<HistoryEntry, 'created' | 'configured' | 'deleted'> {
  const counts = summarize(set);
  return { created: counts.created, configured: counts.configured, deleted: counts.deleted };
}

/** Whether a change set wrote or deleted anything. */
export function changedAnything(counts: Pick<HistoryEntry, 'created' | 'configured' | 'deleted'>): boolean {
  return counts.created + counts.configured + counts.deleted > 0;
}

/**
 * The history after applying `entry`: newest first, at most {@link SYNC_HISTORY_LIMIT}. Applying the
 * newest revision again (a drift repair) adds nothing; it is the same revision.
 */
export function recordHistory(history: readonly HistoryEntry[] | undefined, entry: HistoryEntry): HistoryEntry[] {
  const list = [...(history ?? [])];
  if (list[0]?.revision === entry.revision) return list;
  return [entry, ...list].slice(0, SYNC_HISTORY_LIMIT);
}

/** `main@sha1:0123456789ab`, as status messages and Events name a revision. */
export function describeRevision(refName: string, sha: string): string {
  return `${refName}@sha1:${sha.slice(0, 12)}`;
}
