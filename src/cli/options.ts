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

export { isDuration, parseDuration } from '../k8s/index.js';
