import { spawn, type SpawnOptions } from 'node:child_process';

/** The outcome of a finished command. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and collects its output; rejects only when it cannot start. */
export function exec(command: string, args: string[], options: SpawnOptions & { input?: string; onStderrLine?: (line: string) => void } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      if (options.onStderrLine) {
        partial += text;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onStderrLine(line);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    if (options.input !== undefined) {
      child.stdin!.on('error', () => undefined); // the command may exit without reading it
      child.stdin!.end(options.input);
    }
  });
}

/** Runs a command and throws with its output when it exits non-zero. */
export async function execOrThrow(command: string, args: string[], options: Parameters<typeof exec>[2] = {}): Promise<string> {
  const result = await exec(command, args, options);
  if (result.code !== 0) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-25).join('\n');
    throw new Error(`\`${command} ${args.join(' ')}\` failed with exit code ${result.code}:\n${tail}`);
  }
  return result.stdout;
}
