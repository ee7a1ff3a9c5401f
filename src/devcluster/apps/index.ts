import fs from 'node:fs/promises';
import path from 'node:path';
import type { ProgressLog } from '../build.js';
import { imageKeys, imageTag, type ImageProgram } from '../node/images.js';
import { cacheRoot } from '../paths.js';
import { etcdRuntime } from './etcd.js';
import { kafkaRuntime } from './kafka.js';
import type { AppRuntime } from './runtime.js';

export type { AppRuntime } from './runtime.js';

/** The applications whose images the local node runs at the version their tag names. */
export const appRuntimes: AppRuntime[] = [etcdRuntime, kafkaRuntime];

/** How an image of an application runs on the local node: its built version, or why it cannot run. */
export type AppImage =
  | { readonly runtime: AppRuntime; readonly version: string; readonly program: ImageProgram }
  | { readonly runtime: AppRuntime; readonly notBuilt: string };

/** The runtime serving an image's repository, matched as the image map matches its keys. */
export function runtimeFor(image: string, runtimes: readonly AppRuntime[] = appRuntimes): AppRuntime | undefined {
  for (const key of imageKeys(image)) {
    const runtime = runtimes.find((r) => r.repositories.includes(key));
    if (runtime) return runtime;
  }
  return undefined;
}

/**
 * Resolves an image against the application runtimes: undefined when no runtime serves its
 * repository; otherwise the cached program of the version its tag names, or, when that version is
 * not built (or the tag names none), a message saying which versions are built and how to build one.
 * Never another version than the tag names.
 */
export async function resolveAppImage(image: string, runtimes: readonly AppRuntime[] = appRuntimes): Promise<AppImage | undefined> {
  const runtime = runtimeFor(image, runtimes);
  if (!runtime) return undefined;
  const tag = imageTag(image);
  const version = tag === undefined ? undefined : runtime.versionOf(tag);
  if (version && (await runtime.isBuilt(version))) return { runtime, version, program: runtime.program(version) };
  const built = await builtVersions(runtime);
  const have = built.length ? `built here: ${built.join(', ')}` : 'none is built here';
  if (!version) {
    return { runtime, notBuilt: `image "${image}" names no ${runtime.name} version the local node can build (${have}); use a release tag such as v${runtime.prebuilt[runtime.prebuilt.length - 1]}` };
  }
  return { runtime, notBuilt: `image "${image}" needs ${runtime.name} ${version}, which is not built on this machine (${have}); build it with \`capstan dev build --image ${image}\`` };
}

/** The versions of a runtime complete in the cache, oldest first. */
export async function builtVersions(runtime: AppRuntime): Promise<string[]> {
  const entries = await fs.readdir(path.join(cacheRoot(), 'apps', runtime.name), { withFileTypes: true }).catch(() => []);
  const versions: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && (await runtime.isBuilt(entry.name))) versions.push(entry.name);
  }
  return versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Builds every runtime's prebuilt versions into the cache (a no-op for those already there). */
export async function ensurePrebuiltApps(log: ProgressLog, runtimes: readonly AppRuntime[] = appRuntimes): Promise<void> {
  for (const runtime of runtimes) {
    for (const version of runtime.prebuilt) await runtime.ensure(version, log);
  }
}

/** Builds the version an application image names; throws naming the image when no runtime serves it or its tag names no version. */
export async function ensureAppImage(image: string, log: ProgressLog, runtimes: readonly AppRuntime[] = appRuntimes): Promise<string> {
  const runtime = runtimeFor(image, runtimes);
  if (!runtime) throw new Error(`image "${image}" is not an application image the local node builds (it builds: ${runtimes.flatMap((r) => r.repositories).join(', ')})`);
  const tag = imageTag(image);
  const version = tag === undefined ? undefined : runtime.versionOf(tag);
  if (!version) throw new Error(`image "${image}" names no ${runtime.name} version the local node can build; use a release tag such as v${runtime.prebuilt[runtime.prebuilt.length - 1]}`);
  await runtime.ensure(version, log);
  return version;
}
