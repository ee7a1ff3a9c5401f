import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Mount } from './volumes.js';

/** How a container process ended. */
export interface Exit {
  exitCode: number;
  signal?: number;
  reason: 'Completed' | 'Error' | 'OOMKilled' | 'ContainerCannotRun';
  finishedAt: string;
}

/** What it takes to start one container process. */
export interface ProcessSpec {
  netns: string | undefined;
  argv: string[];
  env: Record<string, string>;
  mounts: Mount[];
  workingDir: string | undefined;
  logFile: string;
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15, SIGABRT: 6 };

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The shell run inside the pod's namespaces before the program: bind-mounts the volumes (in the
 * private mount namespace `ip netns exec` creates, so the host never sees them), then `exec`s the
 * program so its pid is the container's.
 */
export function startScript(spec: ProcessSpec): string {
  const lines = ['set -e'];
  for (const m of spec.mounts) {
    const isFile = fs.existsSync(m.source) && fs.statSync(m.source).isFile();
    lines.push(isFile
      ? `mkdir -p "$(dirname ${quote(m.target)})"; [ -e ${quote(m.target)} ] || : > ${quote(m.target)}`
      : `mkdir -p ${quote(m.target)}`);
    lines.push(`mount --bind ${quote(m.source)} ${quote(m.target)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${quote(m.target)}`);
  }
  if (spec.workingDir) lines.push(`mkdir -p ${quote(spec.workingDir)}; cd ${quote(spec.workingDir)}`);
  lines.push('exec "$@"');
  return lines.join('\n');
}

/** One running container process: its own process group, output appended to the log file. */
export class ContainerProcess {
  readonly startedAt = new Date().toISOString();
  private readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  private stopping = false;

  constructor(spec: ProcessSpec) {
    const out = fs.openSync(spec.logFile, 'a');
    const script = startScript(spec);
    const [command, args] = spec.netns
      ? ['ip', ['netns', 'exec', spec.netns, '/bin/sh', '-c', script, 'capstan-container', ...spec.argv]]
      : ['/bin/sh', ['-c', script, 'capstan-container', ...spec.argv]];
    this.child = spawn(command, args as string[], { detached: true, stdio: ['ignore', out, out], env: spec.env });
    fs.closeSync(out);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        fs.appendFileSync(spec.logFile, `capstan: cannot start ${spec.argv[0]}: ${err.message}\n`);
        resolve({ exitCode: 128, reason: 'ContainerCannotRun', finishedAt: new Date().toISOString() });
      });
      this.child.on('exit', (code, signal) => {
        const signo = signal ? signalNumbers[signal] ?? 15 : undefined;
        const exitCode = code ?? 128 + (signo ?? 0);
        resolve({
          exitCode,
          ...(signo !== undefined ? { signal: signo } : {}),
          reason: exitCode === 0 ? 'Completed' : exitCode === 127 || exitCode === 126 ? 'ContainerCannotRun' : 'Error',
          finishedAt: new Date().toISOString(),
        });
      });
    });
  }

  /** The container's main pid. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether {@link stop} has been called. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** SIGTERM to the whole process group, SIGKILL after the grace period; resolves when it has exited. */
  async stop(graceSeconds: number): Promise<Exit> {
    this.stopping = true;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), Math.max(0, graceSeconds) * 1000);
    const exit = await this.exited;
    clearTimeout(timer);
    this.signal('SIGKILL'); // whatever the program left behind in its group
    return exit;
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.child.pid) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // the group is gone already
    }
  }
}
