/**
 * Synth benchmark: `capstan synth` (in-process) against `cdk8s synth` (cdk8s-cli running the
 * app with tsx) and the app run directly with tsx, on the repository app and on a generated
 * 1000-object app, in the same run. Prints a markdown table of median wall time and peak RSS.
 *
 *   npx tsx bench/synth/run.ts [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generateApp } from './generate.js';

const repo = resolve(import.meta.dirname, '../..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

interface Sample { seconds: number; maxRssMb: number }
interface Tool { name: string; command: (config: string) => { cmd: string; args: string[]; cwd: string; env?: Record<string, string> } }

/** Bundles our code of `capstan synth` (dependencies stay in node_modules), as a compiled CLI would run. */
function buildCli(out: string): string {
  const file = join(out, 'capstan-synth.mjs');
  const r = spawnSync(join(repo, 'node_modules/.bin/esbuild'), [join(repo, 'bench/synth/cli.ts'), '--bundle', '--platform=node', '--format=esm', '--packages=external', '--target=node20', `--outfile=${file}`], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`esbuild failed: ${r.stderr}`);
  return file;
}

function time(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stderr}`);
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [seconds, kb] = last.split(' ').map(Number);
  return { seconds: seconds!, maxRssMb: kb! / 1024 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function objectsIn(outdir: string): number {
  return readdirSync(outdir).filter((f) => f.endsWith('.yaml')).reduce((n, f) => n + (readFileSync(join(outdir, f), 'utf8').match(/^kind: /gm)?.length ?? 0), 0);
}

const work = mkdtempSync(join(tmpdir(), 'capstan-bench-synth-'));
try {
  // Inside node_modules (ignored by git) so the bundle resolves its dependencies like lib/ does.
  const cliDir = join(repo, 'node_modules/.cache/capstan-bench-synth');
  const cli = buildCli(cliDir);
  const lib = join(repo, 'bin/capstan.js');
  const tools: Tool[] = [
    { name: 'cdk8s synth (cdk8s-cli 2.207, app via npx tsx)', command: (c) => ({ cmd: join(repo, 'node_modules/.bin/cdk8s'), args: ['synth'], cwd: dirname(c) }) },
    { name: 'npx tsx <app> (the app alone)', command: (c) => ({ cmd: 'npx', args: ['tsx', readFileSync(c, 'utf8').match(/app: npx tsx (\S+)/)![1]!], cwd: dirname(c), env: { CDK8S_OUTDIR: join(work, 'tsx-out') } }) },
    { name: 'capstan synth (compiled, in-process)', command: (c) => ({ cmd: process.execPath, args: [cli, 'synth', '--quiet', '--config', c, '--output', join(work, 'capstan-out')], cwd: dirname(c) }) },
    // A smaller young generation trades a few more scavenges for a lower peak RSS.
    { name: 'capstan synth, node --max-semi-space-size=2', command: (c) => ({ cmd: process.execPath, args: ['--max-semi-space-size=2', cli, 'synth', '--quiet', '--config', c, '--output', join(work, 'capstan-out')], cwd: dirname(c) }) },
  ];
  // The full CLI, once its build (npm run build) has the synth command wired in.
  if (existsSafe(lib) && /^\s+synth\b/m.test(spawnSync(process.execPath, [lib, '--help'], { cwd: repo, encoding: 'utf8' }).stdout ?? '')) {
    tools.push({ name: 'capstan synth (bin/capstan.js)', command: (c) => ({ cmd: process.execPath, args: [lib, 'synth', '--quiet', '--config', c, '--output', join(work, 'bin-out')], cwd: dirname(c) }) });
  }
  const apps = [
    { name: 'apps/ (repository app)', config: join(repo, 'cdk8s.yaml') },
    { name: 'generated, 1000 objects', config: await generateApp(join(work, 'big'), repo, 1000) },
  ];
  const rows: string[] = [];
  for (const app of apps) {
    const samples = new Map<string, Sample[]>(tools.map((t) => [t.name, []]));
    // Warm-up (tsx's transform cache, file cache), then interleaved runs so drift hits all tools alike.
    for (const t of tools) { const c = t.command(app.config); time(c.cmd, c.args, c.cwd, c.env); }
    for (let i = 0; i < runs; i++) {
      for (const t of tools) { const c = t.command(app.config); samples.get(t.name)!.push(time(c.cmd, c.args, c.cwd, c.env)); }
    }
    const objects = objectsIn(join(work, 'capstan-out'));
    const reference = median(samples.get(tools[0]!.name)!.map((s) => s.seconds));
    for (const t of tools) {
      const s = samples.get(t.name)!;
      const m = median(s.map((x) => x.seconds));
      rows.push(`| ${app.name} (${objects} objects) | ${t.name} | ${m.toFixed(2)} s | ${(m / reference).toFixed(2)}× | ${median(s.map((x) => x.maxRssMb)).toFixed(0)} MB |`);
    }
    // cdk8s synth writes into the repository's dist/ for the repository app: put the committed output back.
    if (app.config === join(repo, 'cdk8s.yaml')) time(process.execPath, [cli, 'synth', '--quiet'], repo);
  }
  process.stdout.write(`Median of ${runs} runs after one warm-up, ${new Date().toISOString().slice(0, 10)}, node ${process.version}\n\n`);
  process.stdout.write('| app | tool | median wall time | vs cdk8s synth | peak RSS |\n|---|---|---|---|---|\n');
  process.stdout.write(`${rows.join('\n')}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(join(repo, 'node_modules/.cache/capstan-bench-synth'), { recursive: true, force: true });
}

function existsSafe(p: string): boolean {
  try { readFileSync(p); return true; } catch { return false; }
}
