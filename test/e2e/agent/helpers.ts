import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { registerAgent, type Agent } from '../../../src/agent/index.js';
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
      await agent.controller.drift.stop();
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

/** How many reconciles of Syncs the manager finished. */
export async function reconciles(manager: Manager): Promise<number> {
  const metric = await manager.metrics.reconcileTotal.get();
  return metric.values.filter((v) => v.labels['controller'] === 'sync').reduce((sum, v) => sum + v.value, 0);
}

/** A ConfigMap manifest in YAML. */
export function configMap(name: string, data: Record<string, string>): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;
}
