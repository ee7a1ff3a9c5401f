import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { KubeClient, KubeObject } from '../../../src/k8s/index.js';
import { Kinds, Manager, refOf, type Logger, jsonLogger } from '../../../src/controller/index.js';
import { adminClient } from '../harness.js';
import { addMirrorController, installMirrorCrd, MirrorKind, type MirrorHooks } from './mirror.js';

/** A short random id for this run's cluster-scoped names and labels. */
export const runId = (): string => `r${randomBytes(3).toString('hex')}`;

/** Creates namespaces before the tests of a file and deletes them after. */
export function useNamespaces(client: KubeClient, names: string[]): void {
  beforeAll(async () => {
    for (const name of names) await client.create(refOf(Kinds.Namespace), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  });
  afterAll(async () => {
    for (const name of names) await client.delete(refOf(Kinds.Namespace, undefined, name));
  });
}

/** A running mirror operator for the tests of one file: CRD installed, manager started, stopped after. */
export function useMirrorOperator(run: string, sourceNamespace: string, hooks: MirrorHooks = {}): { readonly manager: Manager; readonly client: KubeClient } {
  const client = adminClient();
  const logger: Logger = jsonLogger((process.env.CAPSTAN_LOG_LEVEL as 'info' | undefined) ?? 'silent');
  const manager = new Manager({ client, name: `mirror-e2e-${run}`, port: 0, host: '127.0.0.1', logger, gracefulShutdownMs: 10_000 });
  beforeAll(async () => {
    await installMirrorCrd(client);
    addMirrorController(manager, { run, sourceNamespace, hooks });
    await manager.start();
  });
  afterAll(async () => {
    await manager.stop();
    // Leave no mirrors behind: drop finalizers the stopped operator can no longer remove.
    const left = await client.list(refOf(MirrorKind), { labelSelector: `controller-e2e.capstan.dev/run=${run}` });
    for (const m of left.items) {
      await client.patch(refOf(MirrorKind, undefined, m.metadata.name), 'merge', { metadata: { finalizers: null } }).catch(() => undefined);
      await client.delete(refOf(MirrorKind, undefined, m.metadata.name));
    }
    client.close();
  });
  return { manager, client };
}

/** GET a ConfigMap, undefined when absent. */
export function getConfigMap(client: KubeClient, namespace: string, name: string): Promise<(KubeObject & { data?: Record<string, string> }) | undefined> {
  return client.get(refOf(Kinds.ConfigMap, namespace, name));
}

/** Fetches the manager's /metrics text. */
export async function scrape(manager: Manager, path = '/metrics'): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${manager.port}${path}`);
  return { status: res.status, text: await res.text() };
}

/** The value of a metric sample line such as `controller_runtime_reconcile_errors_total{controller="x"}`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
