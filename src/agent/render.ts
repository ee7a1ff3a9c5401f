import { parseManifests, type Manifest } from '../apply/index.js';
import type { CommittedFile } from './git/source.js';

/** A revision without manifests, refused so that it cannot prune everything by accident. */
export class EmptyRevisionError extends Error {
  constructor(path: string, revision: string) {
    super(`path ${path} of commit ${revision.slice(0, 12)} holds no manifests (.yaml, .yml, .json), and applying nothing would prune everything the Sync applied: commit the manifests, or set spec.allowEmpty to true`);
    this.name = 'EmptyRevisionError';
  }
}

/**
 * The objects of a commit's manifest files, in path order, each with the file, document and line
 * it came from. A document that does not parse throws ManifestError naming them; an empty set
 * throws {@link EmptyRevisionError} unless `allowEmpty`.
 */
export function renderFiles(files: readonly CommittedFile[], options: { path: string; revision: string; allowEmpty: boolean }): Manifest[] {
  const manifests = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).flatMap((f) => parseManifests(f.text, f.path));
  if (manifests.length === 0 && !options.allowEmpty) throw new EmptyRevisionError(options.path, options.revision);
  return manifests;
}
