import type { ChangeSet, ChangeSetEntry } from './changeset.js';
import { summarize } from './changeset.js';
import type { WaitProgress } from './wait.js';
import { describeRef } from './objects.js';

/** One line per entry, like kubectl's: `Deployment/shop/web configured`. */
export function formatEntry(entry: ChangeSetEntry, dryRun = false): string {
  const suffix = dryRun && entry.action !== 'unchanged' && entry.action !== 'skipped' ? ' (dry run)' : '';
  const health = entry.health ? ` [${entry.health.status}]` : '';
  return `${describeRef(entry.ref)} ${entry.action}${suffix}${health}${entry.message ? `: ${entry.message}` : ''}`;
}

/** `3 created, 1 configured, 996 unchanged`. */
export function formatSummary(set: ChangeSet): string {
  const counts = summarize(set);
  const parts = Object.entries(counts).filter(([, n]) => n > 0).map(([action, n]) => `${n} ${action}`);
  return parts.length ? parts.join(', ') : 'no objects';
}

/** One progress line of a wait: how many are ready and which are pending, and why. */
export function formatProgress(progress: WaitProgress, limit = 5): string {
  const head = `${progress.done}/${progress.total} ready after ${(progress.elapsedMs / 1000).toFixed(0)}s`;
  if (progress.pending.length === 0) return head;
  const shown = progress.pending.slice(0, limit).map((p) => `${describeRef(p.ref)} ${p.health.status}: ${p.health.message}`);
  const more = progress.pending.length > limit ? `; and ${progress.pending.length - limit} more` : '';
  return `${head}; pending: ${shown.join('; ')}${more}`;
}
