import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { App, Chart } from 'cdk8s';
import { registerAgent, type Agent } from '../../../src/agent/index.js';
import { ConfigMapInventory, ResourceManager } from '../../../src/apply/index.js';
import { AGENT_NAME, AGENT_WEBHOOK_PORT, AgentInstall, OPERATOR_PORT } from '../../../src/constructs/index.js';
import { SyncType } from '../../../src/constructs/schema/index.js';
import { jsonLogger, Manager } from '../../../src/controller/index.js';
import { GitServer, type PushedRef } from '../../../src/devcluster/git-server.js';
import type { KubeClient, KubeObject } from '../../../src/k8s/index.js';
import type { GitSigning } from '../../fixtures/signing-keys.js';
import { adminClient, eventually } from '../harness.js';

const run = promisify(execFile);

/** The REST ref of a Sync. */
export const syncRef = (namespace: string, name?: string) => ({ group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace, name });

/** A Sync as read back, with the status fields the tests look at. */
export interface SyncObject extends KubeObject {
  status?: {
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    history?: { revision: string; subject?: string; created: number; configured: number; deleted: number }[];
    inventory?: { apiVersion: string; kind: string; namespace?: string; names: string[] }[];
  };
}

/** The condition `type` of a Sync. */
export function condition(sync: SyncObject | undefined, type: string) {
  return sync?.status?.conditions?.find((c) => c.type === type);
}

/** Installs the Sync CRD (with the field manager bootstrap uses, so either may install it) and waits until it is served. */
export async function installSyncCrd(client: KubeClient): Promise<void> {
  const ref = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: SyncType.crdName };
  await client.apply(ref, SyncType.crd as unknown as KubeObject, { fieldManager: 'capstan', force: true });
  await eventually('the Sync CRD to be Established', async () => {
    const crd = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(ref);
    return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  });
}

/** A git server on this host with one repository, and a working clone that commits and pushes to it. */
export class TestRepository {
  readonly root = mkdtempSync(join(tmpdir(), 'capstan-agent-git-'));
  readonly work = join(this.root, 'work');
  readonly password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  /** The refs each push moved, as the repository's post-receive hook reported them. */
  readonly pushes: PushedRef[][] = [];
  port = 0;
  private server: GitServer | undefined;

  /** `onPush` also gets each push, as the local cluster's git server passes it to the agents. */
  constructor(private readonly onPush?: (repository: string, refs: PushedRef[]) => void) {}

  /** Starts serving on `host` (the same port as before, when restarted). */
  async start(host = '127.0.0.1'): Promise<void> {
    this.server = new GitServer({ root: join(this.root, 'repos'), username: 'capstan', password: this.password, onPush: (repository, refs) => {
      this.pushes.push(refs);
      this.onPush?.(repository, refs);
    } });
    this.port = await this.server.listen(this.port, host);
    await this.server.createRepository('app');
    mkdirSync(this.work, { recursive: true });
    await this.git('init', '-q', '-b', 'main');
  }

  /** Stops serving (the repository stays). */
  async stop(): Promise<void> {
    await this.server?.close();
  }

  /** The repository URL as `host` reaches it. */
  url(host = '127.0.0.1'): string {
    return `http://${host}:${this.port}/app.git`;
  }

  /** Writes files (path → text; `null` deletes), commits them (signed when `sign` says how) and pushes; resolves the commit SHA. */
  async commit(message: string, files: Record<string, string | null>, sign?: GitSigning): Promise<string> {
    for (const [path, text] of Object.entries(files)) {
      const file = join(this.work, path);
      if (text === null) rmSync(file, { force: true });
      else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
    }
    await this.git('add', '-A');
    await this.signedGit(sign, 'commit', '-q', '--allow-empty', ...(sign ? ['-S'] : []), '-m', message);
    await this.git('push', '-q', this.pushUrl(), 'HEAD:main');
    return (await this.git('rev-parse', 'HEAD')).trim();
  }

  /** Tags HEAD (annotated, and signed when `sign` says how; lightweight when `annotated` is false) and pushes the tag. */
  async tag(name: string, options: { sign?: GitSigning; annotated?: boolean } = {}): Promise<void> {
    const kind = options.sign ? ['-s', '-m', name] : options.annotated === false ? [] : ['-a', '-m', name];
    await this.signedGit(options.sign, 'tag', ...kind, name);
    await this.git('push', '-q', this.pushUrl(), `refs/tags/${name}`);
  }

  private pushUrl(): string {
    return `http://capstan:${this.password}@127.0.0.1:${this.port}/app.git`;
  }

  private async signedGit(sign: GitSigning | undefined, ...args: string[]): Promise<string> {
    const identity = ['-c', 'user.name=Capstan Test', '-c', 'user.email=test@capstan.dev', ...(sign?.config ?? [])];
    return (await run('git', ['-C', this.work, ...identity, ...args], { env: { ...process.env, ...sign?.env } })).stdout;
  }

  /** Removes everything. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.root, { recursive: true, force: true });
  }

  private async git(...args: string[]): Promise<string> {
    return (await run('git', ['-C', this.work, ...args])).stdout;
  }
}

/**
 * The sync agent run in the test process, as `capstan agent --namespace` runs it (only the Syncs of
 * `namespace`, so agents of other test files never reconcile them), with its webhook receiver on loopback.
 */
export async function startAgent(namespace: string): Promise<{ manager: Manager; agent: Agent; webhookPort: number; client: KubeClient; stop(): Promise<void> }> {
  const client = adminClient();
  const manager = new Manager({ client, name: 'agent', namespace, port: 0, host: '127.0.0.1', logger: jsonLogger((process.env.CAPSTAN_LOG_LEVEL as 'info' | undefined) ?? 'silent'), gracefulShutdownMs: 10_000 });
  const cacheDir = mkdtempSync(join(tmpdir(), 'capstan-agent-cache-'));
  const agent = registerAgent(manager, { cacheDir });
  const webhookPort = await agent.webhooks.listen(0, '127.0.0.1');
  await manager.start();
  return {
    manager, agent, webhookPort, client,
    stop: async () => {
      await deleteSyncs(client, namespace);
      await agent.webhooks.close();
      await manager.stop();
      await agent.controller.stop();
      client.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/**
 * Deletes every Sync of `namespace` while an agent still runs, so that it handles their finalizers
 * (pruning what they applied) and the namespace can go. A Sync still there after `timeoutMs` has its
 * finalizers cleared, so that a failing test does not leave a namespace stuck.
 */
export async function deleteSyncs(client: KubeClient, namespace: string, timeoutMs = 60_000): Promise<void> {
  const list = await client.list(syncRef(namespace)).catch(() => ({ items: [] as KubeObject[] }));
  for (const sync of list.items) await client.delete(syncRef(namespace, sync.metadata.name)).catch(() => undefined);
  try {
    await eventually(`the Syncs of ${namespace} to be finalized`, async () => (await client.list(syncRef(namespace))).items.length === 0, timeoutMs);
  } finally {
    for (const sync of (await client.list(syncRef(namespace)).catch(() => ({ items: [] as KubeObject[] }))).items) {
      await client.patch(syncRef(namespace, sync.metadata.name), 'merge', { metadata: { finalizers: null } }).catch(() => undefined);
    }
  }
}

/** The agent as a pod of the local cluster, installed in the namespace whose Syncs it reconciles. */
export interface PodAgent {
  /** The pod's name. */
  readonly pod: string;
  /** The pod's IP, which this host reaches directly. */
  readonly ip: string;
  /** The pod's webhook URL for Sync `name` of the namespace. */
  webhookUrl(name: string): string;
  /** A snapshot of the pod's /metrics. */
  metrics(): Promise<MetricSamples>;
  /** The agent container's log. */
  logs(): Promise<string>;
  /** Deletes the namespace's Syncs while the agent still runs, then the agent and its cluster-scoped rights. */
  stop(): Promise<void>;
}

type AgentPod = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[] } };

/**
 * The sync agent installed as `AgentInstall` describes it (ServiceAccount, rights, Deployment,
 * Service), through the apply engine as `capstan bootstrap` installs it, into `namespace` and
 * reconciling only that namespace's Syncs, so agents of other test files never touch them. It runs
 * on the local node with in-cluster config; the Sync CRD and the namespace are the test's own.
 */
export async function startPodAgent(client: KubeClient, namespace: string): Promise<PodAgent> {
  let pod: AgentPod;
  try {
    pod = await installPodAgent(client, namespace);
  } catch (err) {
    await removePodAgent(client, namespace);
    throw err;
  }
  const ip = pod.status!.podIP!;
  const metricsUrl = `http://${ip}:${OPERATOR_PORT}/metrics`;
  const logs = () => client.requestText({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/log`, query: { container: 'agent' } });
  return {
    pod: pod.metadata.name!,
    ip,
    webhookUrl: (name) => `http://${ip}:${AGENT_WEBHOOK_PORT}/hooks/${namespace}/${name}`,
    metrics: async () => parseMetrics(await (await fetch(metricsUrl)).text()),
    logs,
    stop: async () => {
      await deleteSyncs(client, namespace);
      if (process.env.CAPSTAN_LOG_LEVEL) process.stderr.write(await logs().catch((err: Error) => `the agent's log is not readable: ${err.message}\n`));
      await removePodAgent(client, namespace);
    },
  };
}

/** Applies the install and resolves its pod once the pod serves its metrics. */
async function installPodAgent(client: KubeClient, namespace: string): Promise<AgentPod> {
  const manifests = agentManifests(namespace).map((object, index) => ({ object, source: { file: 'AgentInstall', index, line: 1 } }));
  const engine = new ResourceManager(client, { defaultNamespace: namespace });
  await engine.sync(manifests, new ConfigMapInventory(client, AGENT_NAME, namespace), { prune: true, wait: true, timeoutMs: 120_000 });
  const pod = await eventually(`a ready ${AGENT_NAME} pod in ${namespace}`, async () => (await agentPods(client, namespace)).find(isReady), 60_000);
  const metricsUrl = `http://${pod.status!.podIP}:${OPERATOR_PORT}/metrics`;
  await eventually(`the agent's metrics at ${metricsUrl}`, async () => (await fetch(metricsUrl)).ok, 30_000);
  return pod;
}

/** The objects of an agent install in `namespace`, without the Namespace and the Sync CRD, which the tests own. */
function agentManifests(namespace: string): KubeObject[] {
  const chart = new Chart(new App(), 'capstan-agent');
  new AgentInstall(chart, 'agent', { namespace, watchNamespace: namespace });
  return (chart.toJson() as KubeObject[]).filter((o) => o.kind !== 'Namespace' && o.kind !== 'CustomResourceDefinition');
}

function agentPods(client: KubeClient, namespace: string): Promise<AgentPod[]> {
  return client.list<AgentPod>({ group: '', version: 'v1', resource: 'pods', namespace }, { labelSelector: `app.kubernetes.io/name=${AGENT_NAME}` }).then((l) => l.items);
}

function isReady(pod: AgentPod): boolean {
  return !pod.metadata.deletionTimestamp && !!pod.status?.podIP && !!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Stops the agent at once (no grace period: its Syncs are gone) and deletes its ClusterRoles and
 * bindings, which would outlive the namespace.
 */
async function removePodAgent(client: KubeClient, namespace: string): Promise<void> {
  await client.delete({ group: 'apps', version: 'v1', resource: 'deployments', namespace, name: AGENT_NAME }).catch(() => undefined);
  for (const pod of await agentPods(client, namespace).catch(() => [])) {
    await client.delete({ group: '', version: 'v1', resource: 'pods', namespace, name: pod.metadata.name }, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
  for (const name of [`capstan:agent:${namespace}`, `capstan:agent:${namespace}:apply`]) {
    await client.delete({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', name }).catch(() => undefined);
    await client.delete({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', name }).catch(() => undefined);
  }
}

/** The samples of a Prometheus text exposition. */
export class MetricSamples {
  constructor(private readonly samples: { name: string; labels: Record<string, string>; value: number }[]) {}

  /** The sum of the samples of `name` whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((total, s) => total + s.value, 0);
  }

  /** How many reconciles of Syncs finished. */
  reconciles(): number {
    return this.sum('controller_runtime_reconcile_total', { controller: 'sync' });
  }

  /** How many requests the agent sent to the API server with `method` (`WATCH` for its watches). */
  requests(method: string): number {
    return this.sum('rest_client_requests_total', { method });
  }

  /** The agent's requests to the API server other than its watches and its leader Lease's, as `METHOD resource` → count. */
  requestsBesidesWatchesAndLease(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.samples) {
      if (s.name !== 'rest_client_requests_total' || s.labels['method'] === 'WATCH' || s.labels['resource'] === 'leases') continue;
      const key = `${s.labels['method']} ${s.labels['resource']}`;
      out[key] = (out[key] ?? 0) + s.value;
    }
    return out;
  }
}

/** Parses a Prometheus text exposition (comments skipped). */
export function parseMetrics(text: string): MetricSamples {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return new MetricSamples(samples);
}

/** A ConfigMap manifest in YAML. */
export function configMap(name: string, data: Record<string, string>): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;
}
