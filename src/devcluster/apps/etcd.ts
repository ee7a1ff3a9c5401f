import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findGo, goEnv, goStep, hasCompleteMarker, writeCompleteMarker, type ProgressLog } from '../build.js';
import { exec } from '../exec.js';
import { acquireLock } from '../lock.js';
import { cacheRoot } from '../paths.js';
import type { ImageProgram } from '../node/images.js';
import type { AppRuntime } from './runtime.js';

/** The three programs of an etcd release: the server, its client and its offline maintenance tool. */
const programs = ['etcd', 'etcdctl', 'etcdutl'] as const;

/** The release lines built from Go modules: each has `server/v3`, `etcdctl/v3` and `etcdutl/v3` modules at the same tag. */
const lines = ['3.6', '3.7'];

function versionDir(version: string): string {
  return path.join(cacheRoot(), 'apps', 'etcd', version);
}

function isBuilt(version: string): Promise<boolean> {
  return hasCompleteMarker(versionDir(version), programs);
}

/**
 * etcd as the local node runs it: `quay.io/coreos/etcd:v3.6.16` and `gcr.io/etcd-development/etcd:v3.7.3`
 * run the etcd, etcdctl and etcdutl of the version their tag names, built from etcd's Go modules into
 * `~/.cache/capstan/apps/etcd/<version>/`.
 */
export const etcdRuntime: AppRuntime = {
  name: 'etcd',
  repositories: ['quay.io/coreos/etcd', 'gcr.io/etcd-development/etcd', 'etcd'],
  prebuilt: ['3.6.16', '3.7.3'],

  versionOf(tag: string): string | undefined {
    // registry.k8s.io tags its etcd images `3.6.16-0`: the suffix is the image build, not the etcd version.
    const found = /^v?(\d+)\.(\d+)\.(\d+)(-\d+)?$/.exec(tag);
    if (!found || !lines.includes(`${found[1]}.${found[2]}`)) return undefined;
    return `${Number(found[1])}.${Number(found[2])}.${Number(found[3])}`;
  },

  isBuilt,

  async ensure(version: string, log: ProgressLog): Promise<void> {
    const dir = versionDir(version);
    if (await isBuilt(version)) return;
    const go = await findGo();
    const lock = await acquireLock(`${dir}.lock`, (pid) => log(`another Capstan process (pid ${pid}) is building etcd ${version}; waiting for it`));
    try {
      if (await isBuilt(version)) return;
      if (existsSync(dir)) {
        log(`the etcd ${version} cache ${dir} is incomplete (a build was interrupted?); rebuilding it`);
        await fs.rm(dir, { recursive: true, force: true });
      }
      await build(go, version, dir, log);
    } finally {
      await lock.release();
    }
  },

  program(version: string): ImageProgram {
    const dir = versionDir(version);
    const local = Object.fromEntries(programs.map((p) => [p, path.join(dir, p)]));
    return { entrypoint: [local.etcd!], programs: local };
  },
};

/** The module that builds one etcd release: its three main modules at the same tag, as tools. */
function moduleFile(version: string): string {
  const modules = ['server', 'etcdctl', 'etcdutl'].map((m) => `go.etcd.io/etcd/${m}/v3`);
  return [
    `module capstan.local/etcd-${version}`,
    '',
    'go 1.26.0',
    '',
    'require (',
    ...modules.map((m) => `\t${m} v${version}`),
    ')',
    '',
    'tool (',
    ...modules.map((m) => `\t${m}`),
    ')',
    '',
  ].join('\n');
}

async function build(go: string, version: string, dir: string, log: ProgressLog): Promise<void> {
  const started = Date.now();
  const work = path.join(cacheRoot(), 'build', `etcd-${version}`);
  const out = `${dir}.partial`;
  await fs.rm(out, { recursive: true, force: true });
  await fs.mkdir(work, { recursive: true });
  await fs.mkdir(out, { recursive: true });
  const env = goEnv();
  log(`building etcd ${version} (etcd, etcdctl, etcdutl) into ${dir} (about 2 minutes on 2 cores; later runs use the cache)`);
  await fs.writeFile(path.join(work, 'go.mod'), moduleFile(version));
  await goStep(go, ['mod', 'tidy'], { cwd: work, env }, `resolving etcd ${version} modules`, log, started);
  // One `go build` for the three programs compiles their shared packages once, in parallel.
  await goStep(go, ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', out + path.sep,
    'go.etcd.io/etcd/server/v3', 'go.etcd.io/etcd/etcdctl/v3', 'go.etcd.io/etcd/etcdutl/v3'], { cwd: work, env }, `etcd ${version}`, log, started);
  // Go names a main package by its path without the major-version suffix: the server comes out as `server`.
  await fs.rename(path.join(out, 'server'), path.join(out, 'etcd'));
  const reported = (await exec(path.join(out, 'etcd'), ['--version'])).stdout;
  if (!reported.includes(`etcd Version: ${version}`)) {
    throw new Error(`the etcd built from go.etcd.io/etcd/server/v3@v${version} reports another version:\n${reported.trim()}\nThe half-built output in ${out} is discarded on the next run.`);
  }
  await writeCompleteMarker(out, programs, { version });
  await fs.rename(out, dir);
  log(`etcd ${version} ready in ${Math.round((Date.now() - started) / 1000)} s`);
}
