import type { ManifestSource } from './objects.js';

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
}

/**
 * The apply set was refused or stopped. `failures` names every object at fault;
 * `written` tells whether anything reached the cluster before the stop.
 */
export class ApplyError extends Error {
  readonly failures: ObjectFailure[];
  readonly written: boolean;

  constructor(summary: string, failures: ObjectFailure[], written: boolean) {
    const lines = failures.map((f) => `  - ${f.object}: ${f.message}`);
    super([summary, ...lines].join('\n'));
    this.name = 'ApplyError';
    this.failures = failures;
    this.written = written;
  }
}
