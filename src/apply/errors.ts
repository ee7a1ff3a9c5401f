import { isApiError } from '../k8s/index.js';
import type { ChangeSet } from './changeset.js';
import type { ManifestSource, ObjectRef } from './objects.js';

/** A manifest that cannot be read: names the file, the document index and the line. */
export class ManifestError extends Error {
  readonly source: ManifestSource;

  constructor(source: ManifestSource, problem: string) {
    super(`${source.file}: document ${source.index} (line ${source.line}): ${problem}`);
    this.name = 'ManifestError';
    this.source = source;
  }
}

/** One object the engine could not handle, and why. */
export interface ObjectFailure {
  /** `Kind/namespace/name (file, document, line)`. */
  object: string;
  message: string;
  /** The object, when the failure is about one object of the set. */
  ref?: ObjectRef | undefined;
  /**
   * What kind of refusal, when the caller can offer a way past it: a field another applier owns,
   * an object another inventory owns, or a request the API server's authorization refused.
   */
  reason?: FailureReason | undefined;
}

/** Refusals a caller can name a way past: see {@link ObjectFailure.reason}. */
export type FailureReason = 'FieldConflict' | 'OwnedElsewhere' | 'Forbidden';

/** The reason of a failure the API server or the engine raised: `Forbidden` for a 403, `FieldConflict` for a field another applier owns. */
export function failureReason(err: unknown): FailureReason | undefined {
  if (err instanceof FieldConflictError) return 'FieldConflict';
  if (isApiError(err, 403)) return 'Forbidden';
  return undefined;
}

/**
 * The apply set was refused or stopped. `failures` names every object at fault;
 * `written` tells whether anything reached the cluster before the stop; `changeSet` is what
 * was done up to the stop, with the objects that failed and those never tried.
 */
export class ApplyError extends Error {
  readonly failures: ObjectFailure[];
  readonly written: boolean;
  /** The first line of the message, without the per-object list. */
  readonly summary: string;
  changeSet: ChangeSet;

  constructor(summary: string, failures: ObjectFailure[], written: boolean, options: { cause?: unknown; changeSet?: ChangeSet } = {}) {
    const lines = failures.map((f) => `  - ${f.object}: ${f.message}`);
    super([summary, ...lines].join('\n'), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApplyError';
    this.summary = summary;
    this.failures = failures;
    this.written = written;
    this.changeSet = options.changeSet ?? { entries: [] };
  }
}

/** Server-side apply found fields that another applier owns. */
export class FieldConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FieldConflictError';
  }
}

/** The object belongs to another inventory, or is kept from this one. */
export class OwnershipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OwnershipError';
  }
}

/** The inventory cannot be used as asked: a missing namespace, a name taken, too many objects, a lost lock. Raised before anything is written, unless it says otherwise. */
export class InventoryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InventoryError';
  }
}
