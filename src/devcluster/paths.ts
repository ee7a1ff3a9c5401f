import os from 'node:os';
import path from 'node:path';

/** Root of Capstan's cache: `CAPSTAN_CACHE_DIR`, else `$XDG_CACHE_HOME/capstan`, else `~/.cache/capstan`. */
export function cacheRoot(): string {
  if (process.env.CAPSTAN_CACHE_DIR) return path.resolve(process.env.CAPSTAN_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'capstan');
}

/** Default state directory of the local cluster: `CAPSTAN_STATE_DIR`, else `~/.local/state/capstan/dev`. */
export function defaultStateDir(): string {
  if (process.env.CAPSTAN_STATE_DIR) return path.resolve(process.env.CAPSTAN_STATE_DIR);
  const xdg = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(xdg, 'capstan', 'dev');
}

/** The package root (where package.json and bin/capstan.js live), in a checkout or installed under node_modules. */
export function projectRoot(): string {
  // this file is src/devcluster/paths.ts run from source, or lib/src/devcluster/paths.js once built
  const here = path.dirname(new URL(import.meta.url).pathname);
  return import.meta.url.endsWith('.ts') ? path.resolve(here, '..', '..') : path.resolve(here, '..', '..', '..');
}
