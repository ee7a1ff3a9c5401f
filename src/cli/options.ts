import type { Command } from 'commander';

/** Options every command that talks to a cluster takes, as kubectl spells them. */
export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** Adds `--kubeconfig`, `--context` and `--namespace` to a command. */
export function clusterOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <name>', 'namespace for objects that name none (default: the context\'s)');
}

/** `text` or `json`; anything else is an error naming the choices. */
export function parseOutput(output: string | undefined): boolean {
  if (output === undefined || output === 'text') return false;
  if (output === 'json') return true;
  throw new Error(`--output ${output}: unknown format; use text or json`);
}

/** Whether `text` reads as a duration for {@link parseDuration}. */
export function isDuration(text: string): boolean {
  return /^(\d+(\.\d+)?|(\d+(\.\d+)?(ms|s|m|h))+)$/.test(text.trim());
}

/** Parses `90s`, `5m`, `1h`, `1m30s` or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(re)) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
    total += Number(match[1]) * unit;
    consumed += match[0].length;
  }
  if (consumed !== trimmed.length || consumed === 0) throw new Error(`"${text}" is not a duration: use e.g. 90s, 5m, 1m30s or a number of seconds`);
  return total;
}
