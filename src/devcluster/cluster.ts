import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { ensurePrebuiltApps } from './apps/index.js';
import { ensureBinaries, type ProgressLog } from './build.js';
import { isAlive } from './lock.js';
import { PodNetwork } from './network.js';
import { projectRoot } from './paths.js';
import { controlSocket, readState, type ClusterOptions, type ClusterState } from './state.js';

/** The command that runs this project's CLI: compiled JavaScript, or TypeScript through tsx in development. */
export function cliCommand(): string[] {
  const root = projectRoot();
  if (import.meta.url.endsWith('.ts')) return [process.execPath, '--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts')];
  return [process.execPath, path.join(root, 'bin', 'capstan.js')];
}

/** A cluster started by this process. */
export interface StartedCluster {
  state: ClusterState;
  /** Stops it and removes its state directory. */
  stop(): Promise<void>;
}

/**
 * Starts the local cluster in `options.stateDir`, or returns the one already running there. A state
 * directory left by a killed run is cleaned up first. With `attached`, the cluster lives only as long
 * as this process: it stops itself when our end of its stdin closes, however we exit.
 */
export async function up(options: ClusterOptions, log: ProgressLog, attached = false): Promise<StartedCluster> {
  const { stateDir } = options;
  const existing = readState(stateDir);
  if (existing && isAlive(existing.pid) && (existing.phase === 'ready' || existing.phase === 'starting')) {
    if (existing.phase === 'starting') log(`a cluster is starting in ${stateDir} (supervisor pid ${existing.pid}); waiting for it`);
    const state = await waitReady(stateDir, existing.pid, undefined);
    return { state, stop: async () => { await down(stateDir); } };
  }
  if (fs.existsSync(stateDir)) {
    if (existing) log(`cleaning up ${stateDir}, left by a cluster that is no longer running (phase ${existing.phase}, pid ${existing.pid})`);
    await cleanup(stateDir);
  }
  await ensureBinaries(log);
  // An app runtime that cannot be built (no JDK, say) only keeps that app's images from running.
  await ensurePrebuiltApps(log).catch((err: Error) => log(`app images will wait as ImageNotBuilt: ${err.message}`));
  fs.mkdirSync(stateDir, { recursive: true });
  const [node, ...args] = cliCommand();
  const supervisorArgs = [...args, 'dev', 'supervise', '--state-dir', stateDir, '--nodes', String(options.nodes), '--simulated-nodes', String(options.simulatedNodes)];
  if (options.apiPort) supervisorArgs.push('--api-port', String(options.apiPort));
  if (options.imageMap) supervisorArgs.push('--image-map', path.resolve(options.imageMap));
  if (attached) supervisorArgs.push('--exit-with-parent');
  const logFile = path.join(stateDir, 'supervisor.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(node!, supervisorArgs, { cwd: projectRoot(), detached: true, stdio: [attached ? 'pipe' : 'ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  // Attached: our end of its stdin stays open without keeping this process alive; when this
  // process exits, however it exits, the pipe closes and the cluster stops itself.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const state = await waitReady(stateDir, child.pid!, child);
  return { state, stop: async () => { await down(stateDir); } };
}

async function waitReady(stateDir: string, pid: number, child: ChildProcess | undefined): Promise<ClusterState> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const state = readState(stateDir);
    if (state?.phase === 'ready') return state;
    const exited = child ? child.exitCode !== null || child.signalCode !== null : !isAlive(pid);
    if (state?.phase === 'failed' || state?.phase === 'stopped' || exited || Date.now() > deadline) {
      const tail = readTail(path.join(stateDir, 'supervisor.log'), 25);
      throw new Error(`the local cluster did not start${state?.error ? `: ${state.error}` : ''}\n--- ${path.join(stateDir, 'supervisor.log')} ---\n${tail}\nLogs of each component are in ${path.join(stateDir, 'logs')}.`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops the cluster in `stateDir` (if any runs) and removes the directory: nothing keeps running. */
export async function down(stateDir: string): Promise<boolean> {
  const state = readState(stateDir);
  let wasRunning = false;
  if (state && isAlive(state.pid)) {
    wasRunning = true;
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 45_000;
    while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }
  await cleanup(stateDir);
  return wasRunning;
}

/** Kills whatever a cluster in `stateDir` left running (its process group, its pods) and removes the directory. */
async function cleanup(stateDir: string): Promise<void> {
  const state = readState(stateDir);
  if (state) {
    try {
      process.kill(-state.pid, 'SIGKILL');
    } catch {
      // the group is gone
    }
  }
  await PodNetwork.cleanup(PodNetwork.idFor(stateDir));
  fs.rmSync(stateDir, { recursive: true, force: true });
}

/** The state of the cluster in `stateDir`, with `phase: 'stopped'` when its supervisor is gone. */
export function status(stateDir: string): ClusterState | undefined {
  const state = readState(stateDir);
  if (state && !isAlive(state.pid) && state.phase !== 'failed') return { ...state, phase: 'stopped' };
  return state;
}

/** Stops or starts one control-plane component of a running cluster (for resilience tests). */
export function controlComponent(stateDir: string, component: 'kube-apiserver' | 'etcd' | 'kube-controller-manager' | 'kube-scheduler', action: 'stop' | 'start'): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: controlSocket(stateDir), method: 'POST', path: `/components/${component}/${action}` }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(body.trim()))));
    });
    req.on('error', reject);
    req.end();
  });
}

function readTail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
