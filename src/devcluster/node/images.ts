import fs from 'node:fs';
import path from 'node:path';

/** How one image runs on the local node. */
export interface ImageProgram {
  /** The image's ENTRYPOINT as local argv, used when the container sets no `command`. */
  entrypoint?: string[];
  /** Program name (as a container command or script names it) → local executable (a string is split on spaces; an array is the argv prefix as it is). */
  programs?: Record<string, string | string[]>;
  /** Run commands as the host has them (images like busybox, whose programs every host has). */
  host?: boolean;
}

/** Image name → how to run it. Keys match the full repository (`quay.io/coreos/etcd`), or its last path element (`etcd`). */
export type ImageMap = Record<string, ImageProgram>;

/**
 * The image map the local cluster starts with; a user file (`--image-map`) adds to it or overrides
 * entries. Application images (etcd) are not in it: their runtimes (`../apps/`) run the version each
 * tag names, and come first.
 */
export function defaultImageMap(options: { projectRoot: string }): ImageMap {
  const capstan = [process.execPath, path.join(options.projectRoot, 'bin', 'capstan.js')];
  const map: ImageMap = {
    capstan: { entrypoint: capstan, programs: { capstan: capstan.join(' ') } },
    pause: { entrypoint: ['sleep', 'infinity'] },
    busybox: { host: true },
    alpine: { host: true },
    debian: { host: true },
    ubuntu: { host: true },
  };
  if (fs.existsSync('/usr/bin/python3')) {
    map.python = { entrypoint: ['/usr/bin/python3'], programs: { python: '/usr/bin/python3', python3: '/usr/bin/python3' } };
  }
  if (fs.existsSync('/usr/bin/redis-server')) {
    map.redis = { entrypoint: ['/usr/bin/redis-server'], programs: { 'redis-server': '/usr/bin/redis-server', 'redis-cli': '/usr/bin/redis-cli' } };
  }
  return map;
}

/** Reads a user image map (JSON object of {@link ImageProgram}s) and lays it over `base`. */
export function loadImageMap(base: ImageMap, file: string | undefined): ImageMap {
  if (!file) return base;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`image map ${file} is not readable JSON (${(err as Error).message}): it must be an object of image name → { entrypoint?, programs?, host? }`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`image map ${file} must be a JSON object of image name → { entrypoint?, programs?, host? }`);
  return { ...base, ...(parsed as ImageMap) };
}

/** The repository part of an image reference, without tag or digest: `quay.io/coreos/etcd:v3.6.8` → `quay.io/coreos/etcd`. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/** The tag of an image reference, or undefined when it has none: `quay.io/coreos/etcd:v3.6.8` → `v3.6.8`. */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0]!;
  const repo = imageRepository(noDigest);
  return noDigest.length > repo.length ? noDigest.slice(repo.length + 1) : undefined;
}

/** The keys an image matches, best first: exact repository, then without registry host, then last path element. */
export function imageKeys(image: string): string[] {
  const repo = imageRepository(image);
  const parts = repo.split('/');
  return [repo, parts.slice(1).join('/'), parts[parts.length - 1]!].filter((k) => k !== '');
}

/** Finds the entry for an image: exact repository, then without registry host, then last path element. */
export function lookupImage(map: ImageMap, image: string): ImageProgram | undefined {
  for (const candidate of imageKeys(image)) if (map[candidate]) return map[candidate];
  return undefined;
}

/**
 * The local argv of a container, following Kubernetes' rules: `command` replaces the entrypoint,
 * `args` replaces the image's default arguments. Returns undefined when the image cannot run here.
 */
export function resolveArgv(program: ImageProgram, command: string[] | undefined, args: string[] | undefined): string[] | undefined {
  let argv: string[];
  if (command && command.length > 0) {
    const [first, ...rest] = command;
    argv = [...resolveProgram(program, first!), ...rest, ...(args ?? [])];
  } else if (program.entrypoint) {
    argv = [...program.entrypoint, ...(args ?? [])];
  } else {
    return undefined;
  }
  return argv;
}

/** A program named by a container (absolute path or bare name) → local argv prefix. */
export function resolveProgram(program: ImageProgram, name: string): string[] {
  const local = program.programs?.[path.basename(name)];
  if (Array.isArray(local)) return [...local];
  if (local) return local.split(' ');
  return [name];
}
