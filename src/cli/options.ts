import { Option, type Command } from 'commander';

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

/**
 * `--leader-elect [enabled]`, also read from CAPSTAN_LEADER_ELECTION. It takes a value so that
 * `CAPSTAN_LEADER_ELECTION=false` turns leader election off: a plain flag read from the
 * environment is on whatever the variable holds.
 */
export function leaderElectOption(): Option {
  return new Option('--leader-elect [enabled]', 'take a Lease before reconciling (true or false)').env('CAPSTAN_LEADER_ELECTION');
}

/** Whether `--leader-elect` asks for leader election: the bare flag or `true`; `false` or unset is off, anything else an error. */
export function leaderElectEnabled(value: boolean | string | undefined): boolean {
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`--leader-elect / CAPSTAN_LEADER_ELECTION is "${value}": use true or false`);
}
