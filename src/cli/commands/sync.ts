import type { Command } from 'commander';
import { getSync, pinRevision, readyCondition as ready, requestReconcile, setSuspended, syncRef, unpinRevision, type SyncObject } from '../../agent/steer.js';
import type { KubeClient } from '../../k8s/index.js';
import { parseDuration, parseOutput } from '../options.js';
import { formatAge, formatTable } from '../table.js';

interface SyncCliOptions { kubeconfig?: string; context?: string; namespace?: string; allNamespaces?: boolean; output?: string; timeout?: string }

/** The namespace `capstan bootstrap` installs into, and where Syncs are looked for by default. */
const DEFAULT_NAMESPACE = 'capstan-system';

/** Registers `capstan sync list|status|reconcile|suspend|resume|history|rollback|unpin`. */
export function registerSyncCommands(program: Command): void {
  const sync = program.command('sync').description('look at and steer the Syncs the agent keeps applied');
  const common = (cmd: Command): Command => cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <name>', 'namespace of the Sync', DEFAULT_NAMESPACE)
    .option('-o, --output <format>', 'output format: text or json', 'text');
  const waiting = (cmd: Command): Command => cmd.option('--timeout <duration>', 'how long to wait for the reconcile', '5m');

  common(sync.command('list')).description('list Syncs: revision, suspended, ready, message').option('-A, --all-namespaces', 'list the Syncs of every namespace')
    .action((opts: SyncCliOptions) => run(opts, async (client, json) => {
      const list = await client.list<SyncObject>(syncRef(opts.allNamespaces ? undefined : opts.namespace));
      if (json) return print(list.items.map(summary));
      const head = [...(opts.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE'];
      const rows = list.items.map((s) => [...(opts.allNamespaces ? [s.metadata.namespace ?? ''] : []), s.metadata.name ?? '', revisionOf(s), String(!!s.spec.suspend), ready(s)?.status ?? 'Unknown', ready(s)?.message ?? '']);
      process.stdout.write(rows.length ? formatTable(head, rows) : `no Syncs in ${opts.allNamespaces ? 'any namespace' : `namespace ${opts.namespace}`}\n`);
    }));

  common(sync.command('status')).argument('<name>').description('show one Sync: source, revisions, conditions, inventory')
    .action((name: string, opts: SyncCliOptions) => run(opts, async (client, json) => {
      const s = await getSync(client, opts.namespace!, name);
      if (json) return print(s);
      const lines = [
        `Sync:          ${s.metadata.namespace}/${s.metadata.name}`,
        `URL:           ${s.spec.url}`,
        `Ref:           ${describeRef(s.spec.ref)}${s.spec.revision ? ` (pinned to ${s.spec.revision})` : ''}`,
        `Path:          ${s.spec.path ?? 'dist'}   interval ${s.spec.interval ?? '1m'}${s.spec.suspend ? '   SUSPENDED' : ''}`,
        ...(s.spec.verify ? [`Verify:        ${s.spec.verify.mode ?? 'HEAD'} signed by a key of Secret ${s.spec.verify.secretRef.name}`] : []),
        ...(s.spec.serviceAccountName ? [`Applies as:    ServiceAccount ${s.spec.serviceAccountName}`] : []),
        ...(s.spec.dependsOn?.length ? [`Depends on:    ${s.spec.dependsOn.map((d) => `${d.namespace ?? s.metadata.namespace}/${d.name}`).join(', ')}`] : []),
        `Applied:       ${s.status?.lastAppliedRevision ?? '-'}${s.status?.lastAppliedTime ? ` at ${s.status.lastAppliedTime}` : ''}`,
        `Attempted:     ${s.status?.lastAttemptedRevision ?? '-'}`,
        `Inventory:     ${(s.status?.inventory ?? []).reduce((n, g) => n + g.names.length, 0)} objects`,
        'Conditions:',
        ...(s.status?.conditions ?? []).map((c) => `  ${c.type}=${c.status} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }));

  common(sync.command('history')).argument('<name>').description('the last applied revisions, newest first')
    .action((name: string, opts: SyncCliOptions) => run(opts, async (client, json) => {
      const history = (await getSync(client, opts.namespace!, name)).status?.history ?? [];
      if (json) return print(history);
      process.stdout.write(formatTable(['REVISION', 'APPLIED', 'CREATED', 'CONFIGURED', 'DELETED', 'SUBJECT'], history.map((h) => [h.revision.slice(0, 12), formatAge(h.time), String(h.created), String(h.configured), String(h.deleted), h.subject ?? ''])));
    }));

  waiting(common(sync.command('reconcile'))).argument('<name>').description('fetch and apply now, and wait for the outcome')
    .action((name: string, opts: SyncCliOptions) => run(opts, (client, json) => reconcileAndWait(client, opts, name, json)));

  common(sync.command('suspend')).argument('<name>').description('stop fetching, applying and repairing drift')
    .action((name: string, opts: SyncCliOptions) => run(opts, async (client) => {
      await setSuspended(client, opts.namespace!, name, true);
      process.stdout.write(`suspended Sync ${opts.namespace}/${name}\n`);
    }));

  waiting(common(sync.command('resume'))).argument('<name>').description('resume a suspended Sync and wait for its reconcile')
    .action((name: string, opts: SyncCliOptions) => run(opts, async (client, json) => {
      await setSuspended(client, opts.namespace!, name, false);
      await reconcileAndWait(client, opts, name, json);
    }));

  waiting(common(sync.command('rollback'))).argument('<name>').argument('<revision>', 'a commit of the history (a prefix of at least 7 characters) or a full SHA')
    .description('pin an earlier revision and apply it; later pushes wait until `capstan sync unpin`')
    .action((name: string, revision: string, opts: SyncCliOptions) => run(opts, async (client, json) => {
      const sha = await pinRevision(client, opts.namespace!, name, revision);
      if (!json) process.stderr.write(`pinned Sync ${opts.namespace}/${name} to ${sha}\n`);
      await reconcileAndWait(client, opts, name, json, sha);
    }));

  waiting(common(sync.command('unpin'))).argument('<name>').description('follow the Sync\'s ref again after a rollback')
    .action((name: string, opts: SyncCliOptions) => run(opts, async (client, json) => {
      await unpinRevision(client, opts.namespace!, name);
      await reconcileAndWait(client, opts, name, json);
    }));
}

async function reconcileAndWait(client: KubeClient, opts: SyncCliOptions, name: string, json: boolean, revision?: string): Promise<void> {
  const requested = await requestReconcile(client, opts.namespace!, name);
  const deadline = Date.now() + parseDuration(opts.timeout ?? '5m');
  for (;;) {
    const s = await getSync(client, opts.namespace!, name);
    const r = ready(s);
    const done = s.status?.lastHandledReconcileAt === requested && (!revision || s.status.lastAttemptedRevision === revision);
    if (done) {
      if (json) return print(summary(s));
      if (r?.status !== 'True') throw new Error(`Sync ${opts.namespace}/${name} is not Ready (${r?.reason}): ${r?.message}`);
      process.stdout.write(`Sync ${opts.namespace}/${name} is Ready: ${r.message}\n`);
      return;
    }
    if (s.spec.suspend) throw new Error(`Sync ${opts.namespace}/${name} is suspended: \`capstan sync resume ${name}\` first`);
    if (Date.now() > deadline) throw new Error(`the agent did not reconcile Sync ${opts.namespace}/${name} within ${opts.timeout ?? '5m'}: is it running? (kubectl -n capstan-system get pods)`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

const describeRef = (ref: SyncObject['spec']['ref']): string =>
  ref?.branch ? `branch ${ref.branch}` : ref?.tag ? `tag ${ref.tag}` : ref?.semver ? `semver ${ref.semver}` : ref?.commit ? `commit ${ref.commit}` : 'branch main';
const revisionOf = (s: SyncObject): string => (s.status?.lastAppliedRevision ? `${s.spec.ref?.branch ?? s.spec.ref?.tag ?? s.spec.ref?.semver ?? 'commit'}@sha1:${s.status.lastAppliedRevision.slice(0, 12)}` : '-');
const summary = (s: SyncObject) => ({
  namespace: s.metadata.namespace, name: s.metadata.name, url: s.spec.url, revision: s.status?.lastAppliedRevision ?? null,
  attempted: s.status?.lastAttemptedRevision ?? null, suspended: !!s.spec.suspend, pinned: s.spec.revision ?? null,
  ready: ready(s)?.status ?? 'Unknown', reason: ready(s)?.reason ?? null, message: ready(s)?.message ?? null,
});
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

async function run(opts: SyncCliOptions, body: (client: KubeClient, json: boolean) => Promise<void>): Promise<void> {
  const { KubeClient } = await import('../../k8s/index.js');
  let json = false;
  let client: KubeClient | undefined;
  try {
    json = parseOutput(opts.output);
    client = KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context });
    await body(client, json);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (json) process.stdout.write(`${JSON.stringify({ error: message }, null, 2)}\n`);
    else process.stderr.write(`error: ${message}\n`);
    process.exitCode = 1;
  } finally {
    client?.close();
  }
}
