/**
 * Apply benchmark: `capstan apply` / `capstan diff` beside `kubectl apply --server-side` /
 * `kubectl diff --server-side` on the same cluster, in the same run.
 *
 *   npx tsx bench/apply/run.ts [--runs 3] [--objects 1000] [--namespaces 10] [--kubeconfig FILE] [--kubectl PATH]
 *
 * Each run and tool gets its own fresh namespaces (created before timing). Timed: first apply,
 * no-op re-apply (after controllers have settled) and diff of the unchanged set. Writes are
 * counted from resourceVersions before and after the re-apply.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient, loadKubeConfig } from '../../src/k8s/index.js';
import { findKubectl, median } from '../lib.js';
import { generateSet } from './generate.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg('runs', '3'));
const objects = Number(arg('objects', '1000'));
const namespaceCount = Number(arg('namespaces', '10'));
const kubeconfig = arg('kubeconfig', process.env['CAPSTAN_KUBECONFIG'] ?? '/root/.local/state/capstan/dev/kubeconfig');
const kubectl = arg('kubectl', findKubectl());

interface Tool {
  name: string;
  short: string;
  /** Arguments of an apply of `dir`; `home` is a namespace of the set, where an inventory may live. */
  apply: (dir: string, home: string) => string[];
  diff: (dir: string, home: string) => string[];
  cmd: string;
}

interface Sample { first: number; noop: number; diff: number; firstWrites: number; noopWrites: number }

/** Bundles our code of the two commands (dependencies stay in node_modules), as a compiled CLI runs. */
function buildCli(): string {
  const dir = join(repo, 'node_modules/.cache/capstan-bench-apply');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'capstan-apply.mjs');
  const r = spawnSync(join(repo, 'node_modules/.bin/esbuild'), [join(repo, 'bench/apply/cli.ts'), '--bundle', '--platform=node', '--format=esm', '--packages=external', '--target=node20', `--outfile=${file}`], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`esbuild failed: ${r.stderr}`);
  return file;
}

/** Runs a command, returns seconds; `okCodes` are the exit codes that mean success. */
function timed(cmd: string, args: string[], okCodes = [0]): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
  return seconds;
}

const resources = [
  { group: '', version: 'v1', resource: 'configmaps' },
  { group: 'apps', version: 'v1', resource: 'deployments' },
  { group: '', version: 'v1', resource: 'services' },
];

async function snapshot(client: KubeClient, namespaces: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(namespaces.flatMap((namespace) => resources.map(async (r) => {
    const list = await client.list({ ...r, namespace }, { labelSelector: 'bench=apply' });
    for (const item of list.items) out.set(`${r.resource}/${namespace}/${item.metadata.name}`, item.metadata.resourceVersion ?? '');
  })));
  return out;
}

/** Waits until controllers stop writing the objects (no resourceVersion change for 2 s). */
async function settle(client: KubeClient, namespaces: string[]): Promise<Map<string, string>> {
  let last = await snapshot(client, namespaces);
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = await snapshot(client, namespaces);
    if (now.size === last.size && [...now].every(([k, v]) => last.get(k) === v)) return now;
    last = now;
  }
  throw new Error('objects did not settle within 2 minutes');
}

function changed(before: Map<string, string>, after: Map<string, string>): number {
  let n = 0;
  for (const [k, v] of after) if (before.get(k) !== v) n++;
  return n;
}

// A keep-alive socket the server closed can surface as a stray rejection; report it, keep going.
process.on('unhandledRejection', (err) => { process.stderr.write(`unhandled rejection: ${String(err)}\n`); });

const cli = buildCli();
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const work = mkdtempSync(join(tmpdir(), 'capstan-bench-apply-'));
const tools: Tool[] = [
  {
    name: 'kubectl apply --server-side / kubectl diff --server-side', short: 'kubectl', cmd: kubectl,
    apply: (dir) => ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', dir],
    diff: (dir) => ['--kubeconfig', kubeconfig, 'diff', '--server-side', '-f', dir],
  },
  {
    name: 'capstan apply / capstan diff', short: 'capstan', cmd: process.execPath,
    apply: (dir) => [cli, 'apply', dir, '--kubeconfig', kubeconfig],
    diff: (dir) => [cli, 'diff', dir, '--kubeconfig', kubeconfig],
  },
  {
    // The whole sync verb: inventory lock, record before and after, prune.
    name: 'capstan apply --inventory --prune / capstan diff --inventory', short: 'capstan-sync', cmd: process.execPath,
    apply: (dir, home) => [cli, 'apply', dir, '--kubeconfig', kubeconfig, '--inventory', `${home}/bench`, '--prune'],
    diff: (dir, home) => [cli, 'diff', dir, '--kubeconfig', kubeconfig, '--inventory', `${home}/bench`],
  },
];
const samples = new Map<string, Sample[]>(tools.map((t) => [t.short, []]));

try {
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? tools : [...tools].reverse();
    for (const tool of order) {
      const prefix = `bench-apply-${tool.short}-${randomBytes(2).toString('hex')}`;
      const dir = join(work, prefix);
      const namespaces = await generateSet(dir, prefix, objects, namespaceCount);
      await Promise.all(namespaces.map((name) => client.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
      try {
        const home = namespaces[0]!;
        const first = timed(tool.cmd, tool.apply(dir, home));
        const before = await settle(client, namespaces);
        const noop = timed(tool.cmd, tool.apply(dir, home));
        const after = await snapshot(client, namespaces);
        const diff = timed(tool.cmd, tool.diff(dir, home), [0]);
        const sample = { first, noop, diff, firstWrites: before.size, noopWrites: changed(before, after) };
        samples.get(tool.short)!.push(sample);
        process.stderr.write(`run ${run + 1}/${runs} ${tool.short}: first ${first.toFixed(2)}s, no-op ${noop.toFixed(2)}s (${sample.noopWrites} writes), diff ${diff.toFixed(2)}s\n`);
      } finally {
        await Promise.all(namespaces.map((name) => client.delete({ group: '', version: 'v1', resource: 'namespaces', name })));
      }
    }
  }
} finally {
  client.close();
  rmSync(work, { recursive: true, force: true });
}

const k = samples.get('kubectl')!;
const c = samples.get('capstan')!;
const cs = samples.get('capstan-sync')!;
const row = (what: string, pick: (s: Sample) => number) => {
  const mk = median(k.map(pick));
  const mc = median(c.map(pick));
  const ms = median(cs.map(pick));
  return `| ${what} | ${mk.toFixed(2)} s | ${mc.toFixed(2)} s | ${(mc / mk).toFixed(2)}× | ${ms.toFixed(2)} s | ${(ms / mk).toFixed(2)}× |`;
};
const writes = (xs: Sample[], pick: (s: Sample) => number) => xs.map(pick).join(', ');
process.stdout.write([
  `${objects} objects (ConfigMaps, Deployments, Services) in ${namespaceCount} namespaces; median of ${runs} runs; kubectl ${kubectl}`,
  '',
  '| step | kubectl | capstan | capstan / kubectl | capstan with inventory and prune | … / kubectl |',
  '|---|---|---|---|---|---|',
  row('first apply', (s) => s.first),
  row('no-op re-apply', (s) => s.noop),
  row('diff (no changes)', (s) => s.diff),
  '',
  `objects after first apply: kubectl ${writes(k, (s) => s.firstWrites)}; capstan ${writes(c, (s) => s.firstWrites)}; with inventory ${writes(cs, (s) => s.firstWrites)}`,
  `writes during no-op re-apply (resourceVersions changed): kubectl ${writes(k, (s) => s.noopWrites)}; capstan ${writes(c, (s) => s.noopWrites)}; with inventory ${writes(cs, (s) => s.noopWrites)}`,
  '',
].join('\n'));
