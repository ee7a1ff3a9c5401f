import fs from 'node:fs/promises';
import { existsSync, constants } from 'node:fs';
import path from 'node:path';
import { binaryNames, cacheKey, minimumGo, versions, type BinaryName } from './versions.js';
import { cacheRoot } from './paths.js';
import { acquireLock } from './lock.js';
import { exec, execOrThrow } from './exec.js';

/** A directory of ready-to-run control-plane binaries. */
export interface Binaries {
  /** The directory holding them. */
  dir: string;
  /** Absolute path of one binary. */
  path(name: BinaryName): string;
  /** The kwok stage configuration (node and pod lifecycles for simulated nodes). */
  kwokStages: string;
}

/** Receives one line of build progress. */
export type ProgressLog = (line: string) => void;

const marker = '.complete';

/**
 * Returns the cached binaries for the pinned versions, building them from Go modules first when the
 * cache lacks them, is half-built or is corrupt. `CAPSTAN_BIN_DIR` points at prebuilt binaries instead.
 */
export async function ensureBinaries(log: ProgressLog = () => {}): Promise<Binaries> {
  if (process.env.CAPSTAN_BIN_DIR) return prebuilt(path.resolve(process.env.CAPSTAN_BIN_DIR));
  const dir = path.join(cacheRoot(), 'bin', cacheKey());
  if (await isComplete(dir)) return binariesIn(dir);

  const go = await findGo();
  const lock = await acquireLock(`${dir}.lock`, (pid) => log(`another Capstan process (pid ${pid}) is building the binaries; waiting for it`));
  try {
    if (await isComplete(dir)) return binariesIn(dir);
    if (existsSync(dir)) {
      log(`the binary cache ${dir} is incomplete or corrupt (a build was interrupted?); rebuilding it`);
      await fs.rm(dir, { recursive: true, force: true });
    }
    await build(go, dir, log);
    return binariesIn(dir);
  } finally {
    await lock.release();
  }
}

function binariesIn(dir: string): Binaries {
  return { dir, path: (name) => path.join(dir, name), kwokStages: path.join(dir, 'kwok-stages.yaml') };
}

async function prebuilt(dir: string): Promise<Binaries> {
  const missing: string[] = [];
  for (const name of binaryNames) {
    if (!(await isExecutable(path.join(dir, name)))) missing.push(name);
  }
  if (!existsSync(path.join(dir, 'kwok-stages.yaml'))) missing.push('kwok-stages.yaml');
  if (missing.length) throw new Error(`CAPSTAN_BIN_DIR=${dir} lacks ${missing.join(', ')}: unset CAPSTAN_BIN_DIR to build them, or copy them from a complete cache directory`);
  return binariesIn(dir);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** A cache directory is complete when its marker lists every binary at the size it was written with. */
function isComplete(dir: string): Promise<boolean> {
  return hasCompleteMarker(dir, [...binaryNames, 'kwok-stages.yaml']);
}

/** Whether `dir` holds a completion marker that lists each of `files` at the size it has now. */
export async function hasCompleteMarker(dir: string, files: readonly string[]): Promise<boolean> {
  try {
    const recorded = JSON.parse(await fs.readFile(path.join(dir, marker), 'utf8')) as { sizes: Record<string, number> };
    for (const name of files) {
      const stat = await fs.stat(path.join(dir, name));
      if (stat.size === 0 || stat.size !== recorded.sizes[name]) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Writes the completion marker of a cache directory: the sizes of `files` now, with `info` beside them. */
export async function writeCompleteMarker(dir: string, files: readonly string[], info: Record<string, unknown>): Promise<void> {
  const sizes: Record<string, number> = {};
  for (const name of files) sizes[name] = (await fs.stat(path.join(dir, name))).size;
  await fs.writeFile(path.join(dir, marker), JSON.stringify({ ...info, sizes }, null, 2));
}

/** The `go` to build with, checked to be new enough; throws saying what to install otherwise. */
export async function findGo(): Promise<string> {
  const go = process.env.GO ?? 'go';
  const result = await exec(go, ['env', 'GOVERSION'], { env: goEnv() }).catch(() => undefined);
  if (!result || result.code !== 0) {
    throw new Error(
      `Go is needed to build the local cluster's binaries (kube-apiserver ${versions.kubernetes}, etcd ${versions.etcd}, kwok ${versions.kwok}) ` +
        `and \`${go}\` was not found. Install Go ${minimumGo.major}.${minimumGo.minor} or newer and put it on PATH (or set GO=/path/to/go), ` +
        'or point CAPSTAN_BIN_DIR at a directory of prebuilt binaries.',
    );
  }
  const found = /go(\d+)\.(\d+)/.exec(result.stdout);
  const [major, minor] = [Number(found?.[1] ?? 0), Number(found?.[2] ?? 0)];
  if (major < minimumGo.major || (major === minimumGo.major && minor < minimumGo.minor)) {
    throw new Error(`Go ${minimumGo.major}.${minimumGo.minor} or newer is needed to build Kubernetes ${versions.kubernetes}; \`${go}\` is ${result.stdout.trim()}. Install a newer Go and put it first on PATH.`);
  }
  return go;
}

/** The environment of every Go build: local toolchain only, static binaries, modules resolved as needed. */
export function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
}

/** ldflags that make every Kubernetes binary report its real version (kwok picks flags by it). */
function kubernetesLdflags(): string {
  const minor = versions.kubernetes.split('.')[1];
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${versions.kubernetes}`,
      `-X ${pkg}.gitMajor=1`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
    );
  }
  return flags.join(' ');
}

async function build(go: string, dir: string, log: ProgressLog): Promise<void> {
  const started = Date.now();
  const work = path.join(cacheRoot(), 'build', cacheKey());
  const out = `${dir}.partial`;
  await fs.rm(out, { recursive: true, force: true });
  await fs.mkdir(work, { recursive: true });
  await fs.mkdir(out, { recursive: true });
  const env = goEnv();
  const run = (args: string[], what: string) => goStep(go, args, { cwd: work, env }, what, log, started);

  log(`building the local cluster's binaries into ${dir} (a cold build takes 15-25 minutes on 2 cores; later runs use the cache)`);
  await fs.writeFile(path.join(work, 'go.mod'), await moduleFile(go, work, env));
  await run(['mod', 'tidy'], 'resolving modules');
  await run(['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', path.join(out, 'etcd'), 'go.etcd.io/etcd/server/v3'], `etcd ${versions.etcd}`);
  await run(
    ['build', '-v', '-trimpath', '-ldflags', kubernetesLdflags(), '-o', out + path.sep,
      'k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kube-controller-manager', 'k8s.io/kubernetes/cmd/kube-scheduler', 'k8s.io/kubernetes/cmd/kubectl'],
    `kube-apiserver, kube-controller-manager, kube-scheduler, kubectl ${versions.kubernetes}`,
  );
  // kwok has its own dependency graph; `go install` of a tagged version keeps it apart from ours.
  await goStep(go, ['install', '-v', '-trimpath', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@${versions.kwok}`], { cwd: work, env: { ...env, GOBIN: out, GOFLAGS: '' } }, `kwok ${versions.kwok}`, log, started);
  await fs.writeFile(path.join(out, 'kwok-stages.yaml'), await kwokStages(go, env));

  for (const name of binaryNames) {
    const version = (await exec(path.join(out, name), name === 'kubectl' ? ['version', '--client'] : ['--version'])).stdout.trim().split('\n')[0];
    log(`  ${name}: ${version}`);
  }
  await writeCompleteMarker(out, [...binaryNames, 'kwok-stages.yaml'], { versions });
  await fs.rename(out, dir);
  log(`binaries ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * A go.mod that requires k8s.io/kubernetes and pins each of its staging modules to the published tag:
 * Go ignores a dependency's `replace => ./staging/...` lines, so we restate them.
 */
async function moduleFile(go: string, work: string, env: NodeJS.ProcessEnv): Promise<string> {
  const info = JSON.parse(await execOrThrow(go, ['mod', 'download', '-json', `k8s.io/kubernetes@${versions.kubernetes}`], { cwd: work, env: { ...env, GOFLAGS: '' } })) as { GoMod: string };
  const upstream = await fs.readFile(info.GoMod, 'utf8');
  const staging = [...upstream.matchAll(/^\s*(k8s\.io\/[^\s]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]!);
  if (staging.length === 0) throw new Error(`found no staging modules in ${info.GoMod}; the go.mod layout of k8s.io/kubernetes changed`);
  const stagingTag = versions.kubernetes.replace(/^v1\./, 'v0.');
  const tools = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map((c) => `\tk8s.io/kubernetes/cmd/${c}`);
  return [
    'module capstan.local/devcluster-binaries',
    '',
    'go 1.26.0',
    '',
    'require (',
    `\tk8s.io/kubernetes ${versions.kubernetes}`,
    `\tgo.etcd.io/etcd/server/v3 ${versions.etcd}`,
    ')',
    '',
    'tool (',
    ...tools,
    '\tgo.etcd.io/etcd/server/v3',
    ')',
    '',
    'replace (',
    ...staging.map((m) => `\t${m} => ${m} ${stagingTag}`),
    ')',
    '',
  ].join('\n');
}

/** The stages kwok needs to drive simulated nodes and their pods, as kwokctl configures them. */
async function kwokStages(go: string, env: NodeJS.ProcessEnv): Promise<string> {
  const modcache = (await execOrThrow(go, ['env', 'GOMODCACHE'], { env })).trim();
  const root = path.join(modcache, `sigs.k8s.io/kwok@${versions.kwok}`, 'kustomize', 'stage');
  const files = [
    'node/fast/node-initialize.yaml',
    'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
    'pod/fast/pod-ready.yaml',
    'pod/fast/pod-complete.yaml',
    'pod/fast/pod-delete.yaml',
  ];
  const docs = await Promise.all(files.map((f) => fs.readFile(path.join(root, f), 'utf8')));
  return docs.map((d) => d.trim()).join('\n---\n') + '\n';
}

/** Runs one `go` command, logging what it builds and, every 15 s, how many packages it compiled; throws with its output's tail on failure. */
export async function goStep(go: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }, what: string, log: ProgressLog, started: number): Promise<void> {
  log(`  ${what}...`);
  let compiled = 0;
  let lastReport = Date.now();
  const result = await exec(go, args, {
    ...options,
    onStderrLine: (line) => {
      if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line.trim())) compiled++;
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        log(`    ${compiled} packages compiled (${Math.round((Date.now() - started) / 1000)} s elapsed)`);
      }
    },
  });
  if (result.code !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-30).join('\n');
    throw new Error(`building ${what} failed (\`go ${args.join(' ')}\` in ${options.cwd}, exit code ${result.code}):\n${tail}\nFix the cause and run again: the half-built output is discarded.`);
  }
}
