import { spawn } from 'node:child_process';
import { redact } from './redact.js';

/** A git command that failed, timed out or printed too much; its message holds no credential. */
export class GitError extends Error {
  constructor(message: string, readonly timedOut = false) {
    super(message);
    this.name = 'GitError';
  }
}

/** How to run one git command. */
export interface GitRun {
  /** Repository to run in (`git -C`). */
  cwd?: string | undefined;
  /** Extra environment: credentials travel here, never in arguments. */
  env?: Record<string, string> | undefined;
  /** Values to strip from any message, besides URL user information. */
  secrets?: readonly string[] | undefined;
  /** Killed (with its children) after this long. @default 60_000 */
  timeoutMs?: number | undefined;
  /** Refuse output beyond this many bytes. @default 64 MiB */
  maxOutputBytes?: number | undefined;
  /** Written to standard input. */
  input?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `git args…` without a terminal or credential prompt and resolves its standard output. A
 * failure rejects with {@link GitError} carrying git's last lines of stderr, redacted.
 */
export function runGit(args: string[], run: GitRun = {}): Promise<Buffer> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    SSH_ASKPASS: 'true',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_PROTOCOL: 'version=2',
    ...run.env,
  };
  const limit = run.maxOutputBytes ?? 64 * 1024 * 1024;
  const timeoutMs = run.timeoutMs ?? 60_000;
  const what = `git ${args[0] ?? ''}`;
  return new Promise((resolve, reject) => {
    const child = spawn('git', run.cwd ? ['-C', run.cwd, ...args] : args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: GitError | undefined;
    const kill = (why: GitError): void => {
      failure ??= why;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill(new GitError(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s`, true)), timeoutMs);
    const onAbort = (): void => kill(new GitError(`${what} was stopped`));
    run.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size > limit) kill(new GitError(`${what} printed more than ${Math.round(limit / 1024 / 1024)} MiB`));
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4096);
    });
    child.stdin.on('error', () => undefined); // git may exit before reading all of it
    child.stdin.end(run.input ?? '');
    child.on('error', (err) => kill(new GitError(`cannot run git (${err.message}): is git installed and on PATH?`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(new GitError(redact(failure.message, run.secrets), failure.timedOut));
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-3).join('; ');
        return reject(new GitError(redact(`${what} failed (exit ${code})${tail ? `: ${tail}` : ''}`, run.secrets)));
      }
      resolve(Buffer.concat(out));
    });
  });
}
