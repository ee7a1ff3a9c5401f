import type { Command } from 'commander';
import { clusterOptions, parseOutput, type ClusterOptions } from '../options.js';
import { reportError } from '../output.js';

/** Options of `capstan diff`. */
export interface DiffCliOptions extends ClusterOptions {
  inventory?: string;
  adopt?: boolean;
  forceConflicts?: boolean;
  output?: string;
}

/**
 * Registers `capstan diff`: what `capstan apply` would change, as a unified diff per object.
 * Exits 0 when nothing would change, 1 when something would, and 2 on errors, like kubectl diff.
 */
export function registerDiffCommand(program: Command): void {
  clusterOptions(program.command('diff'))
    .description('show what apply would change (server-side dry-run against the live objects); exit 1 when anything would, 2 on errors')
    .argument('<path...>', 'manifest files or directories, or - for stdin')
    .option('--inventory <[namespace/]name>', 'diff as this inventory\'s apply, and show what apply --prune would delete from it')
    .option('--adopt', 'diff as an apply that takes objects over from other inventories')
    .option('--force-conflicts', 'diff as an apply that takes fields other field managers own')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action(async (paths: string[], opts: DiffCliOptions) => {
      process.exitCode = await runDiff(paths, opts);
    });
}

/**
 * `capstan diff`; resolves the exit code: 0 no changes, 1 changes, 2 when anything failed (the
 * cluster could not be asked, or an object could not be applied: the other objects' diffs are
 * still shown). Secret values are masked in text and JSON.
 */
export async function runDiff(paths: string[], opts: DiffCliOptions): Promise<number> {
  let json = false;
  const { KubeClient } = await import('../../k8s/index.js');
  let client: InstanceType<typeof KubeClient> | undefined;
  try {
    json = parseOutput(opts.output);
    const engine = await import('../../apply/index.js');
    const manifests = await engine.loadManifests(paths);
    client = KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context });
    const namespace = opts.namespace ?? client.defaultNamespace;
    const rm = new engine.ResourceManager(client, { defaultNamespace: namespace });
    const inventory = opts.inventory ? engine.ConfigMapInventory.parse(client, opts.inventory, namespace) : undefined;
    const set = await rm.diff(manifests, { inventory, adopt: !!opts.adopt, force: !!opts.forceConflicts });
    const changed = engine.hasChanges(set);
    const failed = set.entries.filter((e) => e.action === 'failed');
    if (json) {
      process.stdout.write(`${JSON.stringify({ entries: set.entries, summary: engine.summarize(set), changed }, null, 2)}\n`);
    } else {
      for (const entry of set.entries) {
        if (entry.diff) process.stdout.write(entry.diff.endsWith('\n') ? entry.diff : `${entry.diff}\n`);
        if (entry.action === 'skipped' || entry.message) process.stderr.write(`${engine.formatEntry(entry)}\n`);
      }
      if (failed.length) process.stderr.write(`error: ${failed.length} object(s) cannot be applied as they are (see above)\n`);
    }
    return failed.length ? 2 : changed ? 1 : 0;
  } catch (err) {
    reportError(err, json);
    return 2;
  } finally {
    client?.close();
  }
}
