import type { Command } from 'commander';
import type { ChangeSetEntry, SyncEvent } from '../../apply/index.js';
import { clusterOptions, isDuration, parseDuration, parseOutput, type ClusterOptions } from '../options.js';
import { progressPrinter, reportError } from '../output.js';

/** Options of `capstan apply`. */
export interface ApplyCliOptions extends ClusterOptions {
  inventory?: string;
  prune?: boolean;
  allowEmpty?: boolean;
  adopt?: boolean;
  wait?: string | boolean;
  forceConflicts?: boolean;
  dryRun?: boolean;
  output?: string;
}

/** Registers `capstan apply`. The engine is loaded only when it runs. */
export function registerApplyCommand(program: Command): void {
  clusterOptions(program.command('apply'))
    .description('apply manifests (files, directories, - for stdin) with server-side apply, in stages, writing only what changed')
    .argument('<path...>', 'manifest files or directories, or - for stdin')
    .option('--inventory <[namespace/]name>', 'record the applied set in ConfigMap <name> and own its objects (needed for --prune)')
    .option('--prune', 'delete objects of the previous inventory that are no longer in the set')
    .option('--allow-empty', 'accept an empty set of manifests (with --prune, deletes everything the inventory holds)')
    .option('--adopt', 'take objects over from the inventories that own them now')
    .option('--wait [timeout]', 'wait until every object is healthy; also bounds every wait of the run (default 5m; e.g. 90s, 10m)')
    .option('--force-conflicts', 'take fields that other field managers own')
    .option('--dry-run', 'validate and report what would change; write nothing')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action(async (paths: string[], opts: ApplyCliOptions) => {
      process.exitCode = await runApply(paths, opts);
    });
}

/** `capstan apply`: one run of the engine's sync verb; resolves the exit code. */
export async function runApply(paths: string[], opts: ApplyCliOptions): Promise<number> {
  let json = false;
  const { KubeClient } = await import('../../k8s/index.js');
  let client: InstanceType<typeof KubeClient> | undefined;
  const all: ChangeSetEntry[] = [];
  try {
    json = parseOutput(opts.output);
    const engine = await import('../../apply/index.js');
    const print = (line: string): void => { if (!json) process.stdout.write(`${line}\n`); };
    const progress = progressPrinter(json);
    if (opts.prune && !opts.inventory) throw new Error('--prune needs --inventory <name>: prune deletes what the previous apply of that inventory recorded');
    if (typeof opts.wait === 'string' && !isDuration(opts.wait)) {
      // `--wait dir/`: the option's optional value swallowed the first path.
      paths = [opts.wait, ...paths];
      opts.wait = true;
    }
    const waiting = opts.wait !== undefined && opts.wait !== false;
    const timeoutMs = parseDuration(typeof opts.wait === 'string' ? opts.wait : '5m');
    const manifests = await engine.loadManifests(paths);
    client = KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context });
    const namespace = opts.namespace ?? client.defaultNamespace;
    const rm = new engine.ResourceManager(client, { defaultNamespace: namespace });
    const inventory = opts.inventory ? engine.ConfigMapInventory.parse(client, opts.inventory, namespace) : undefined;
    const onEvent = (e: SyncEvent): void => {
      if (e.type === 'object' || e.type === 'pruned') {
        all.push(e.entry);
        print(engine.formatEntry(e.entry, opts.dryRun));
      } else if (e.type === 'waiting') progress(`waiting ${e.what}: ${engine.formatProgress(e.progress)}`, e.progress.pending.length);
      else if (e.type === 'locked' && !json) process.stderr.write(`waiting for inventory ${opts.inventory}, which another run holds (${e.holder})\n`);
    };
    const result = await rm.sync(manifests, inventory, {
      force: !!opts.forceConflicts,
      dryRun: !!opts.dryRun,
      adopt: !!opts.adopt,
      allowEmpty: !!opts.allowEmpty,
      prune: !!opts.prune,
      wait: waiting,
      timeoutMs,
      onEvent,
    });
    if (waiting && !opts.dryRun) print(`all ${result.entries.filter((e) => e.health).length} objects are ready`);
    if (json) process.stdout.write(`${JSON.stringify({ entries: result.entries, summary: engine.summarize(result), dryRun: !!opts.dryRun }, null, 2)}\n`);
    else print(`${opts.dryRun ? 'dry run: ' : ''}${engine.formatSummary(result)}`);
    return 0;
  } catch (err) {
    reportError(err, json, all);
    return 1;
  } finally {
    client?.close();
  }
}
