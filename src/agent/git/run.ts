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

/** How a program ended: exit code, standard output, and the last 4 KiB of standard error. */
export interface ProgramExit {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs `git args…` without a terminal or credential prompt and resolves its standard output. A
 * failure rejects with {@link GitError} carrying git's last lines of stderr, redacted.
 */
export async function runGit(args: string[], run: GitRun = {}): Promise<Buffer> {
  const exit = await runProgram('git', args, run);
  if (exit.code !== 0) {
    const tail = exit.stderr.trim().split('\n').slice(-3).join('; ');
    throw new GitError(redact(`git ${args[0] ?? ''} failed (exit ${exit.code})${tail ? `: ${tail}` : ''}`, run.secrets));
  }
  return exit.stdout;
}

/**
 * Runs `program args…` (git, or a program git works with, such as gpg) in git's non-interactive
 * environment and resolves how it ended, whatever its exit code; it rejects with {@link GitError}
 * only when the program could not run, timed out, was stopped or printed too much.
 */
export function runProgram(program: string, args: string[], run: GitRun = {}): Promise<ProgramExit> {
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
  const what = program === 'git' ? `git ${args[0] ?? ''}` : program;
  return new Promise((resolve, reject) => {
    const git = program === 'git';
    const child = spawn(program, run.cwd && git ? ['-C', run.cwd, ...args] : args, { env, cwd: git ? undefined : run.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
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
    child.stdin.on('error', () => undefined); // the program may exit before reading all of it
    child.stdin.end(run.input ?? '');
    child.on('error', (err) => kill(new GitError(`cannot run ${program} (${err.message}): is it installed and on PATH?`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(new GitError(redact(failure.message, run.secrets), failure.timedOut));
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr });
    });
  });
}
