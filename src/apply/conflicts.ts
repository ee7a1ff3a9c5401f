import { ApiError, type KubeObject } from '../k8s/index.js';
import { managedFields } from './fieldset.js';

/** One field another manager owns, from a server-side apply conflict. */
export interface FieldConflict {
  /** The field path, e.g. `.spec.replicas`. */
  field: string;
  /** The manager that owns it. */
  manager: string;
}

/** The conflicts of a 409 answer to server-side apply; empty for any other error. */
export function fieldConflicts(err: unknown): FieldConflict[] {
  if (!(err instanceof ApiError) || err.code !== 409) return [];
  const out: FieldConflict[] = [];
  for (const cause of err.status?.details?.causes ?? []) {
    if (cause.reason !== 'FieldManagerConflict') continue;
    const manager = /conflict with "([^"]+)"/.exec(cause.message ?? '')?.[1] ?? 'unknown';
    out.push({ field: cause.field ?? '', manager });
  }
  return out;
}

/**
 * Whether every conflicting manager only ever wrote the object with updates (`kubectl edit`,
 * `kubectl scale`, controllers) and never applied it. Such a change to a field of our
 * manifest is drift, and applying takes the field back. A field another *applier* owns
 * is a disagreement between two sources of truth and is taken only with force.
 */
export function onlyImperativeConflicts(conflicts: FieldConflict[], live: KubeObject | undefined): boolean {
  if (conflicts.length === 0 || !live) return false;
  const entries = managedFields(live);
  return conflicts.every((c) => {
    const mine = entries.filter((e) => e.manager === c.manager);
    return mine.length > 0 && mine.every((e) => e.operation === 'Update');
  });
}

/** A readable sentence for conflicts: which fields, owned by whom. */
export function describeConflicts(conflicts: FieldConflict[]): string {
  return conflicts.map((c) => `${c.field} is owned by field manager "${c.manager}"`).join('; ');
}

const IMMUTABLE = /field is immutable|may not change once set|is immutable|cannot be changed|updates to .* are forbidden/i;

/** Whether an API error says an immutable field would change; names the fields when it does. */
export function immutableFields(err: unknown): string[] | undefined {
  if (!(err instanceof ApiError) || err.code !== 422) return undefined;
  const causes = err.status?.details?.causes ?? [];
  const fields = causes.filter((c) => IMMUTABLE.test(c.message ?? '')).map((c) => c.field ?? '?');
  if (fields.length) return fields;
  return IMMUTABLE.test(err.status?.message ?? err.message) ? ['?'] : undefined;
}

/** The server's own explanation of an API error, without the request line. */
export function serverMessage(err: unknown): string {
  if (err instanceof ApiError) return err.status?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
