import type { Command } from 'commander';
import type { ApplyEvent, ChangeSet, ChangeSetEntry, ObjectRef } from '../../apply/index.js';
import { registerDiffCommand } from './diff.js';

/** Options every command of the apply engine takes, as kubectl spells them. */
export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

interface ApplyCliOptions extends ClusterOptions {
  inventory?: string;
  prune?: boolean;
  allowEmpty?: boolean;
  wait?: string | boolean;
  forceConflicts?: boolean;
  dryRun?: boolean;
  output?: string;
}

/** Adds `--kubeconfig`, `--context` and `--namespace` to a command. */
export function clusterOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <name>', 'namespace for objects that name none (default: the context\'s)');
}

/**
 * Registers `capstan apply` and `capstan diff` on the program. The engine is loaded only when
 * one of them runs.
 */
export function registerApplyCommands(program: Command): void {
  clusterOptions(program.command('apply'))
    .description('apply manifests (files, directories, - for stdin) with server-side apply, in stages, writing only what changed')
    .argument('<path...>', 'manifest files or directories, or - for stdin')
    .option('--inventory <[namespace/]name>', 'record the applied set in ConfigMap <name> (needed for --prune)')
    .option('--prune', 'delete objects of the previous inventory that are no longer in the set')
    .option('--allow-empty', 'accept an empty set of manifests (with --prune, deletes everything the inventory holds)')
    .option('--wait [timeout]', 'wait until every object is healthy (default 5m; e.g. 90s, 10m)')
    .option('--force-conflicts', 'take fields that other field managers own')
    .option('--dry-run', 'validate and report what would change; write nothing')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action(async (paths: string[], opts: ApplyCliOptions) => {
      process.exitCode = await runApply(paths, opts);
    });
  registerDiffCommand(program);
}

/** `capstan apply`; resolves the exit code. */
export async function runApply(paths: string[], opts: ApplyCliOptions): Promise<number> {
  const json = parseOutput(opts.output);
  const engine = await import('../../apply/index.js');
  const { KubeClient } = await import('../../k8s/index.js');
  const print = (line: string): void => { if (!json) process.stdout.write(`${line}\n`); };
  const progress = progressPrinter(json);
  let client: InstanceType<typeof KubeClient> | undefined;
  const all: ChangeSetEntry[] = [];
  try {
    if (opts.prune && !opts.inventory) throw new Error('--prune needs --inventory <name>: prune deletes what the previous apply of that inventory recorded');
    if (typeof opts.wait === 'string' && !isDuration(opts.wait)) {
      // `--wait dir/`: the option's optional value swallowed the first path.
      paths = [opts.wait, ...paths];
      opts.wait = true;
    }
    const timeoutMs = opts.wait === undefined || opts.wait === false ? undefined : parseDuration(opts.wait === true ? '5m' : opts.wait);
    const manifests = await engine.loadManifests(paths);
    client = KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context });
    const namespace = opts.namespace ?? client.defaultNamespace;
    const rm = new engine.ResourceManager(client, { defaultNamespace: namespace });
    const inventory = opts.inventory ? engine.ConfigMapInventory.parse(client, opts.inventory, namespace) : undefined;
    const previous = (await inventory?.load()) ?? [];

    const applied = await rm.applyAll(manifests, {
      force: !!opts.forceConflicts,
      dryRun: !!opts.dryRun,
      inventory: inventory?.name,
      allowEmpty: !!opts.allowEmpty,
      beforeWrite: async (refs) => {
        // Recorded first, so objects created by an apply that fails half-way are still pruned later.
        if (inventory) await inventory.save([...previous, ...refs]).catch(() => undefined);
      },
      onEvent: (e: ApplyEvent) => {
        if (e.type === 'object') print(engine.formatEntry(e.entry, opts.dryRun));
        else if (e.type === 'waiting') progress(`waiting ${e.what}: ${engine.formatProgress(e.progress)}`, e.progress.pending.length);
      },
    });
    all.push(...applied.entries);
    const desired = applied.entries.map((e) => e.ref);
    let result: ChangeSet = applied;

    if (timeoutMs !== undefined && !opts.dryRun) {
      result = await rm.wait(applied, { timeoutMs, onProgress: (p) => progress(engine.formatProgress(p), p.pending.length) });
      all.splice(0, all.length, ...result.entries);
      print(`all ${desired.length} objects are ready`);
    }

    let retained: ObjectRef[] = [];
    if (opts.prune && inventory) {
      const pruned = await rm.prune(previous, desired, { inventory: inventory.name, dryRun: !!opts.dryRun, allowEmpty: !!opts.allowEmpty });
      for (const entry of pruned.changeSet.entries) {
        print(engine.formatEntry(entry, opts.dryRun));
        all.push(entry);
      }
      retained = pruned.retained;
      if (pruned.failures.length) {
        if (!opts.dryRun) await inventory.save([...desired, ...retained]);
        throw new engine.ApplyError(`${pruned.failures.length} object(s) could not be pruned; they stay in the inventory and are tried again next time`, pruned.failures, true);
      }
    }
    if (inventory && !opts.dryRun) await inventory.save(opts.prune ? [...desired, ...retained] : [...previous, ...desired]);

    const summary = engine.formatSummary({ entries: all });
    if (json) process.stdout.write(`${JSON.stringify({ entries: all, summary: engine.summarize({ entries: all }), dryRun: !!opts.dryRun }, null, 2)}\n`);
    else print(`${opts.dryRun ? 'dry run: ' : ''}${summary}`);
    return 0;
  } catch (err) {
    reportError(err, json, all);
    return 1;
  } finally {
    client?.close();
  }
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

/** Prints a wait's progress to stderr when the pending set changes, or every 5 seconds. */
function progressPrinter(json: boolean): (line: string, pending: number) => void {
  let lastCount = -1;
  let lastAt = 0;
  return (line, pending) => {
    if (json) return;
    const now = Date.now();
    if (pending === lastCount && now - lastAt < 5000) return;
    lastCount = pending;
    lastAt = now;
    process.stderr.write(`${line}\n`);
  };
}

/** Prints an error: the message (with every failing object) on stderr, or a JSON document. */
export function reportError(err: unknown, json: boolean, entries: ChangeSetEntry[] = []): void {
  const message = err instanceof Error ? err.message : String(err);
  const failures = (err as { failures?: unknown }).failures;
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: message.split('\n')[0], failures: failures ?? [], entries }, null, 2)}\n`);
    return;
  }
  process.stderr.write(`error: ${message}\n`);
}
