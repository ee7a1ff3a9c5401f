import type { ChangeSetEntry } from '../apply/index.js';

/** Prints a wait's progress to stderr when the pending set changes, or every 5 seconds. */
export function progressPrinter(json: boolean): (line: string, pending: number) => void {
  let lastCount = -1;
  let lastAt = 0;
  return (line, pending) => {
    if (json) return;
    const now = Date.now();
    if (pending === lastCount && now - lastAt < 5000) return;
    lastCount = pending;
    lastAt = now;
    process.stderr.write(`${line}\n`);
  };
}

/**
 * Prints an error: the message (with every failing object) on stderr, or a JSON document with the
 * partial change set the error carries (what was written, what failed, what was never tried).
 */
export function reportError(err: unknown, json: boolean, entries: ChangeSetEntry[] = []): void {
  const message = err instanceof Error ? err.message : String(err);
  const failures = (err as { failures?: unknown }).failures;
  const carried = (err as { changeSet?: { entries?: ChangeSetEntry[] } }).changeSet?.entries;
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: (err as { summary?: string }).summary ?? message.split('\n')[0], failures: failures ?? [], entries: carried?.length ? carried : entries }, null, 2)}\n`);
    return;
  }
  process.stderr.write(`error: ${message}\n`);
  const reasons = new Set((Array.isArray(failures) ? failures : []).map((f: { reason?: string }) => f.reason));
  if (reasons.has('FieldConflict')) process.stderr.write('to take fields that other field managers own, pass --force-conflicts\n');
  if (reasons.has('OwnedElsewhere')) process.stderr.write('to take objects over from the inventories that own them, pass --adopt\n');
}
