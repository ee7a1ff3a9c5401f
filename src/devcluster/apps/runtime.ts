import type { ImageProgram } from '../node/images.js';
import type { ProgressLog } from '../build.js';

/** A distributed application's runtime that the local node builds into the binary cache and runs for its images. */
export interface AppRuntime {
  /** Short name, also the cache folder: `~/.cache/capstan/apps/<name>/<version>/`. */
  readonly name: string;
  /** Image repositories this runtime serves, matched as the image map matches keys (full repository, without registry host, or last path element). */
  readonly repositories: readonly string[];
  /** The versions `capstan dev build` builds ahead of time (the newest served of each supported line). */
  readonly prebuilt: readonly string[];
  /** The version an image tag names (`v3.6.16` → `3.6.16`), or undefined when the tag names none this runtime can build. */
  versionOf(tag: string): string | undefined;
  /** Whether the version is complete in the cache (never builds). */
  isBuilt(version: string): Promise<boolean>;
  /** Builds or assembles the version into the cache unless it is there, printing progress; safe against concurrent callers (use `acquireLock` from `../lock.js`). */
  ensure(version: string, log: ProgressLog): Promise<void>;
  /** How to run an image of this version from the cache. */
  program(version: string): ImageProgram;
}
