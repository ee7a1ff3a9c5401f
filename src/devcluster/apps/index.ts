import fs from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from '../paths.js';
import { imageRepository, type ImageProgram } from '../node/images.js';
import { kafkaRuntime } from './kafka.js';
import type { AppRuntime } from './runtime.js';

export type { AppRuntime } from './runtime.js';

/** Every application runtime the local node builds into the cache and runs for its images. */
export const appRuntimes: AppRuntime[] = [kafkaRuntime];

/** An image that an app runtime serves, and the version its tag names (undefined when it names none the runtime can build). */
export interface AppImage {
  runtime: AppRuntime;
  version: string | undefined;
  tag: string;
}

/** The tag of an image reference (`latest` when it has none). */
export function imageTag(image: string): string {
  const repo = imageRepository(image);
  const rest = image.split('@')[0]!.slice(repo.length);
  return rest.startsWith(':') ? rest.slice(1) : 'latest';
}

/** The app runtime serving `image`, matched as the image map matches keys: full repository, without registry host, or last path element. */
export function resolveAppImage(image: string, runtimes: readonly AppRuntime[] = appRuntimes): AppImage | undefined {
  const repo = imageRepository(image);
  const parts = repo.split('/');
  const candidates = [repo, parts.slice(1).join('/'), parts[parts.length - 1]!].filter(Boolean);
  const runtime = runtimes.find((r) => r.repositories.some((known) => candidates.includes(known)));
  if (!runtime) return undefined;
  const tag = imageTag(image);
  return { runtime, version: runtime.versionOf(tag), tag };
}

/** The versions of a runtime complete in the cache, oldest first. */
export async function builtVersions(runtime: AppRuntime): Promise<string[]> {
  const names = await fs.readdir(path.join(cacheRoot(), 'apps', runtime.name)).catch(() => [] as string[]);
  const built: string[] = [];
  for (const name of names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    if (runtime.versionOf(name) === name && (await runtime.isBuilt(name))) built.push(name);
  }
  return built;
}

/** How the local node runs an app image: its program when the version is built, else why it cannot run and how to build it. */
export async function appImageProgram(app: AppImage, image: string): Promise<{ program: ImageProgram } | { notBuilt: string }> {
  if (app.version && (await app.runtime.isBuilt(app.version))) return { program: app.runtime.program(app.version) };
  const built = await builtVersions(app.runtime);
  const have = built.length ? `the cache holds ${app.runtime.name} ${built.join(', ')}` : `the cache holds no ${app.runtime.name} version`;
  const what = app.version
    ? `${app.runtime.name} ${app.version} is not built on the local node (${have}): build it with \`capstan dev build --app ${app.runtime.name}@${app.version}\`, or use a built version`
    : `tag "${app.tag}" names no ${app.runtime.name} version the local node can build (${have}): use a version tag such as ${app.runtime.prebuilt.join(', ')}`;
  return { notBuilt: `image "${image}": ${what}` };
}

/** Builds each runtime's prebuilt versions, and the extra `name@version`s asked for, into the cache. */
export async function ensureAppRuntimes(log: (line: string) => void, extra: readonly string[] = []): Promise<void> {
  const wanted: [AppRuntime, string][] = [];
  for (const runtime of appRuntimes) for (const version of runtime.prebuilt) wanted.push([runtime, version]);
  for (const spec of extra) {
    const [name, version] = spec.split('@');
    const runtime = appRuntimes.find((r) => r.name === name);
    if (!runtime || !version || runtime.versionOf(version) !== version) {
      throw new Error(`--app ${spec}: expected <app>@<version> with app one of ${appRuntimes.map((r) => r.name).join(', ')} and a version such as ${appRuntimes[0]?.prebuilt[0] ?? '1.0.0'}`);
    }
    wanted.push([runtime, version]);
  }
  for (const [runtime, version] of wanted) await runtime.ensure(version, log);
}
