import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { ChangeSetEntry } from '../../apply/index.js';
import { clusterOptions, parseDuration, parseOutput, type ClusterOptions } from '../options.js';
import { reportError } from '../output.js';

/** Options of `capstan bootstrap`. */
export interface BootstrapOptions extends Omit<ClusterOptions, 'namespace'> {
  url: string;
  ref: string;
  path: string;
  name: string;
  namespace: string;
  secret?: string;
  interval: string;
  prune: boolean;
  image?: string;
  leastPrivilege?: boolean;
  serviceAccount?: string;
  timeout: string;
  output?: string;
}

/** The inventory that records the agent's own install. */
const INSTALL_INVENTORY = 'capstan-agent';

/** Registers `capstan bootstrap`. */
export function registerBootstrapCommand(program: Command): void {
  clusterOptions(program.command('bootstrap'))
    .description('install the sync agent (CRD, RBAC, Deployment, Service) and its first Sync through the apply engine, and wait until the Sync is Ready')
    .requiredOption('--url <url>', 'git repository the first Sync follows')
    .option('--ref <branch>', 'branch to follow', 'main')
    .option('--path <dir>', 'directory of the repository holding the manifests', 'dist')
    .option('--name <name>', 'name of the first Sync', 'capstan')
    .option('--secret <name>', 'Secret in the agent\'s namespace with the git credentials (username/password, token, or identity/known_hosts)')
    .option('--interval <duration>', 'how often the remote is asked for a new revision', '1m')
    .option('--no-prune', 'never delete what a newer revision no longer holds')
    .option('--least-privilege', 'give the agent no right to write what repositories hold: each Sync applies as its own --service-account')
    .option('--service-account <name>', 'ServiceAccount of the agent\'s namespace that the first Sync applies as (impersonated)')
    .option('--image <image>', 'image holding the capstan CLI (default: the one built from this repository)')
    .option('--timeout <duration>', 'how long to wait for the Sync to be Ready', '5m')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action(async (opts: BootstrapOptions) => {
      process.exitCode = await runBootstrap({ ...opts, namespace: opts.namespace ?? 'capstan-system' });
    });
}

/** `capstan bootstrap`: resolves the exit code. */
export async function runBootstrap(opts: BootstrapOptions): Promise<number> {
  let json = false;
  const entries: ChangeSetEntry[] = [];
  const [{ KubeClient }, engine, { App, Chart }, { AgentInstall }, { SyncType }] = await Promise.all([
    import('../../k8s/index.js'),
    import('../../apply/index.js'),
    import('cdk8s'),
    import('../../constructs/index.js'),
    import('../../constructs/schema/index.js'),
  ]);
  let client: InstanceType<typeof KubeClient> | undefined;
  try {
    json = parseOutput(opts.output);
    if (opts.leastPrivilege && !opts.serviceAccount) throw new Error('--least-privilege leaves the agent no right to apply what the repository holds: pass --service-account NAME, a ServiceAccount of the agent\'s namespace bound to the rights the first Sync needs');
    const say = (line: string): void => void (json ? undefined : process.stderr.write(`${line}\n`));
    const timeoutMs = parseDuration(opts.timeout);
    parseDuration(opts.interval);
    client = KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context });
    const webhookSecret = `${opts.name}-webhook`;
    const chart = new Chart(new App(), 'capstan-agent');
    new AgentInstall(chart, 'agent', {
      namespace: opts.namespace,
      image: opts.image,
      leastPrivilege: !!opts.leastPrivilege,
      sync: {
        name: opts.name,
        spec: {
          url: opts.url,
          ref: { branch: opts.ref },
          path: opts.path,
          interval: opts.interval,
          prune: opts.prune,
          webhook: { secretRef: { name: webhookSecret } },
          ...(opts.secret ? { secretRef: { name: opts.secret } } : {}),
          ...(opts.serviceAccount ? { serviceAccountName: opts.serviceAccount } : {}),
        },
      },
    });
    const manifests = chart.toJson().map((object: Record<string, unknown>, index: number) => ({ object: object as never, source: { file: 'capstan bootstrap', index, line: 1 } }));
    const rm = new engine.ResourceManager(client, { defaultNamespace: opts.namespace });
    say(`installing the sync agent in namespace ${opts.namespace}`);
    await keepEarlierSyncs(client, { group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace: opts.namespace }, engine.Annotations);
    const result = await rm.sync(manifests, new engine.ConfigMapInventory(client, INSTALL_INVENTORY, opts.namespace), {
      prune: true,
      wait: true,
      timeoutMs,
      onEvent: (e) => {
        if (e.type !== 'object' && e.type !== 'pruned') return;
        entries.push(e.entry);
        if (e.entry.action !== 'unchanged') say(`  ${engine.formatEntry(e.entry)}`);
      },
    });
    await ensureWebhookSecret(client, opts.namespace, webhookSecret);
    say(`agent installed (${engine.formatSummary(result)}); waiting for Sync ${opts.namespace}/${opts.name} to be Ready`);
    const sync = await waitReady(client, { group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace: opts.namespace, name: opts.name }, timeoutMs, say);
    if (json) process.stdout.write(`${JSON.stringify({ entries: result.entries, sync: { name: opts.name, namespace: opts.namespace, status: sync['status'] } }, null, 2)}\n`);
    else process.stdout.write(`Sync ${opts.namespace}/${opts.name} is Ready: ${readyMessage(sync)}\n`);
    return 0;
  } catch (err) {
    reportError(err, json, entries);
    return 1;
  } finally {
    client?.close();
  }
}

/** The Secret whose token signs webhook deliveries; an existing one is kept, so running bootstrap again changes nothing. */
async function ensureWebhookSecret(client: import('../../k8s/index.js').KubeClient, namespace: string, name: string): Promise<void> {
  const ref = { group: '', version: 'v1', resource: 'secrets', namespace, name };
  if (await client.get(ref)) return;
  await client.create({ ...ref, name: undefined }, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'capstan' } },
    type: 'Opaque', stringData: { token: randomBytes(24).toString('hex') },
  });
}

type SyncObject = import('../../k8s/index.js').KubeObject & { status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] } };

function readyMessage(sync: SyncObject): string {
  return sync.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
}

/** Waits until the Sync is Ready, printing each change of its conditions; fails early when it is Stalled. */
async function waitReady(client: import('../../k8s/index.js').KubeClient, ref: import('../../k8s/index.js').ResourceRef, timeoutMs: number, say: (line: string) => void): Promise<SyncObject> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const sync = await client.get<SyncObject>(ref);
    // Conditions of an earlier generation (bootstrap run again with another spec) say nothing yet.
    const current = sync?.status?.observedGeneration === sync?.metadata.generation;
    const conditions = current ? sync?.status?.conditions ?? [] : [];
    const ready = conditions.find((c) => c.type === 'Ready');
    const stalled = conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
    const line = ready ? `  Ready=${ready.status} ${ready.reason ?? ''}: ${ready.message ?? ''}` : '  waiting for the agent to report';
    if (line !== last) say((last = line));
    if (sync && ready?.status === 'True') return sync;
    if (stalled) throw new Error(`Sync ${ref.namespace}/${ref.name} is stalled (${stalled.reason}): ${stalled.message}`);
    if (Date.now() > deadline) throw new Error(`Sync ${ref.namespace}/${ref.name} was not Ready within ${Math.round(timeoutMs / 1000)} s${ready ? ` (${ready.reason}: ${ready.message})` : ''}: see \`capstan sync status ${ref.name} -n ${ref.namespace}\` and the agent's logs`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * An install made before Syncs carried `capstan.dev/prune: disabled` recorded its first Sync in the
 * install inventory, so installing with another first Sync would prune it, and with it everything
 * it applied. Such Syncs get the annotation before the install is applied.
 */
async function keepEarlierSyncs(client: import('../../k8s/index.js').KubeClient, syncs: import('../../k8s/index.js').ResourceRef, annotations: { prune: string; inventory: string }): Promise<void> {
  const mark = `ConfigMap/${syncs.namespace}/${INSTALL_INVENTORY}`;
  // No Sync CRD yet (a first install): nothing to keep.
  const listed = await client.list(syncs).catch((err: { code?: number }) => (err.code === 404 ? { items: [] } : Promise.reject(err)));
  for (const sync of listed.items) {
    const current = sync.metadata.annotations ?? {};
    if (current[annotations.inventory] !== mark || current[annotations.prune] === 'disabled') continue;
    await client.patch({ ...syncs, name: sync.metadata.name }, 'merge', { metadata: { annotations: { [annotations.prune]: 'disabled' } } });
  }
}
