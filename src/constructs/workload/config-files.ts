import { createHash } from 'node:crypto';
import { posix } from 'node:path';

/** The ConfigMap data and the mounts that place each key at its path. */
export interface ConfigFilesLayout {
  readonly data: Record<string, string>;
  readonly mounts: { name: string; mountPath: string; subPath: string; readOnly: true }[];
  /** Hash of the contents; a pod-template annotation, so a changed file rolls the pods. */
  readonly hash: string;
}

/** Lays out config files as one ConfigMap mounted file by file (subPath). */
export function configFilesLayout(files: Readonly<Record<string, string>>, volumeName: string, fail: (field: string, detail: string) => never): ConfigFilesLayout {
  const data: Record<string, string> = {};
  const mounts: ConfigFilesLayout['mounts'] = [];
  const hash = createHash('sha256');
  for (const path of Object.keys(files).sort()) {
    if (!posix.isAbsolute(path) || posix.normalize(path) !== path || path.endsWith('/')) {
      fail(`configFiles["${path}"]`, 'the key must be a normalized absolute file path, e.g. /etc/app/config.yaml');
    }
    // ConfigMap keys allow [-._a-zA-Z0-9]; the path with / turned into _ stays unique and readable.
    const key = path.slice(1).replace(/[^-._a-zA-Z0-9]/g, '_');
    if (key in data) fail(`configFiles["${path}"]`, `maps to the same ConfigMap key "${key}" as another file; rename one`);
    data[key] = files[path]!;
    mounts.push({ name: volumeName, mountPath: path, subPath: key, readOnly: true });
    hash.update(path).update('\0').update(files[path]!).update('\0');
  }
  return { data, mounts, hash: hash.digest('hex').slice(0, 16) };
}
