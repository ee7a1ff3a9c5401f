import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs a command to completion and returns its wall time in milliseconds; throws with its output on failure. */
export function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return ms;
}

/** Resident set size in MiB of a process, from /proc. */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** The processes of a process group with their command names. */
export function groupProcesses(pgid: number): { pid: number; name: string }[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '-g', String(pgid)], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((line) => {
    const [pid, ...name] = line.trim().split(/\s+/);
    return { pid: Number(pid), name: name.join(' ') };
  });
}

/** Formats milliseconds as seconds with one decimal. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** kubectl from the dev cluster's binary cache, else the one on PATH. */
export function findKubectl(): string {
  const root = '/root/.cache/capstan/bin';
  for (const d of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    if (!d.endsWith('.partial') && fs.existsSync(path.join(root, d, 'kubectl'))) return path.join(root, d, 'kubectl');
  }
  return 'kubectl';
}

/** The value at percentile `p` (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
