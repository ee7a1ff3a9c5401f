import { posix } from 'node:path';

/** A path of a Sync or a symlink that cannot be used, and why. */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/**
 * The repository-relative form of a Sync's `path` (`./dist/` → `dist`, `.` → ``). Absolute paths and
 * paths that climb out of the repository are refused.
 */
export function repositoryPath(path: string): string {
  if (path.includes('\0')) throw new UnsafePathError(`path ${JSON.stringify(path)} contains a NUL byte`);
  if (posix.isAbsolute(path)) throw new UnsafePathError(`path ${path} is absolute: name a directory relative to the repository root, e.g. dist`);
  const normal = posix.normalize(path).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) throw new UnsafePathError(`path ${path} leaves the repository: name a directory inside it`);
  return normal === '.' ? '' : normal;
}

/**
 * Where a committed symlink at `link` pointing at `target` leads, relative to the repository root.
 * A target that is absolute or that climbs out of the repository is refused, naming the link.
 */
export function resolveSymlink(link: string, target: string): string {
  if (posix.isAbsolute(target)) throw new UnsafePathError(`symlink ${link} points at ${target}, outside the repository: commit the file itself`);
  const resolved = posix.normalize(posix.join(posix.dirname(link), target));
  if (resolved === '..' || resolved.startsWith('../')) throw new UnsafePathError(`symlink ${link} points at ${target}, outside the repository: commit the file itself`);
  return resolved;
}

/** Whether a repository file is a manifest the agent renders. */
export function isManifestFile(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path) && !posix.basename(path).startsWith('.');
}
