import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** How to run one control-plane component. */
export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  /** File that receives the component's stdout and stderr. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * One long-running child process with its output in a log file. It stays in the supervisor's process
 * group, so killing that group (what `capstan dev down` does when the supervisor is gone) ends it too.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  /** Called when the process exits while it was meant to run. */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;

  constructor(readonly spec: ComponentSpec) {}

  /** The pid while running. */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Starts the process; its output is appended to the log file. */
  start(): void {
    const out = fs.openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, { stdio: ['ignore', out, out], env: this.spec.env ?? process.env });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.onUnexpectedExit?.(code, signal);
        }
        resolve(code);
      });
      child.on('error', () => resolve(null));
    });
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.pid !== undefined;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = undefined;
    const exited = this.exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.spec.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
