import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterPorts } from './components.js';
import type { LocalGitInfo } from './local-git.js';

/** Options of one local cluster. */
export interface ClusterOptions {
  stateDir: string;
  /** Local nodes that run pods as processes. */
  nodes: number;
  /** kwok nodes for scale tests. */
  simulatedNodes: number;
  /** Fixed API server port; a free one when omitted. */
  apiPort?: number | undefined;
  /** A JSON image map laid over the defaults. */
  imageMap?: string | undefined;
}

/** Path of the supervisor's control socket (stop/start a component, used by resilience tests). */
export const controlSocket = (stateDir: string) => path.join(stateDir, 'control.sock');

/** What a running (or stopped) local cluster records in its state directory. */
export interface ClusterState {
  /** Lifecycle of the supervisor. */
  phase: 'starting' | 'ready' | 'failed' | 'stopped';
  /** Why it failed, when it did. */
  error?: string;
  /** Supervisor pid; its process group holds the control plane. */
  pid: number;
  stateDir: string;
  kubeconfig: string;
  server: string;
  ports?: ClusterPorts;
  /** The pod network's gateway and subnet, when pods run in network namespaces. */
  network?: { id: string; gateway: string; cidr: string };
  nodes: string[];
  simulatedNodes: string[];
  binDir?: string;
  startedAt: string;
  /** The git server that makes `git push` deploy. */
  git?: LocalGitInfo;
  /** Milliseconds from supervisor start to all nodes Ready. */
  readyAfterMs?: number;
}

/** The state file of a cluster. */
export const stateFile = (stateDir: string) => path.join(stateDir, 'cluster.json');

/** Reads the state file; undefined when there is none or it is unreadable. */
export function readState(stateDir: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(stateDir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** Writes the state file atomically, so readers never see half of it. */
export async function writeState(state: ClusterState): Promise<void> {
  const file = stateFile(state.stateDir);
  await fs.writeFile(`${file}.tmp`, JSON.stringify(state, null, 2));
  await fs.rename(`${file}.tmp`, file);
}
