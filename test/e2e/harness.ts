import { inject, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { KubeClient, loadKubeConfig } from '../../src/k8s/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the kubeconfig of the cluster the e2e suite runs against. */
    kubeconfig: string;
    /** State directory of the test cluster when this run can control it (stop/start components), else ''. */
    clusterStateDir: string;
  }
}

/** Path of the kubeconfig of the shared test cluster. */
export function kubeconfigPath(): string {
  return inject('kubeconfig');
}

/** State directory of the test cluster, or '' when the run uses a cluster it does not control. */
export function clusterStateDir(): string {
  return inject('clusterStateDir');
}

/** A client of the shared test cluster with admin rights. */
export function adminClient(): KubeClient {
  return new KubeClient(loadKubeConfig({ kubeconfig: kubeconfigPath() }));
}

/** A client of the shared test cluster that authenticates with a bearer token, as a pod does. */
export function tokenClient(token: string): KubeClient {
  const admin = loadKubeConfig({ kubeconfig: kubeconfigPath() });
  return new KubeClient({ server: admin.server, ca: admin.ca, namespace: 'default', token });
}

/**
 * A fresh namespace for the tests of one file: created before them, deleted after them
 * (without waiting for the namespace controller to finish).
 */
export function useNamespace(prefix: string): { readonly name: string; readonly client: KubeClient } {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const client = adminClient();
  beforeAll(async () => {
    await client.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  });
  afterAll(async () => {
    await client.delete({ group: '', version: 'v1', resource: 'namespaces', name });
    client.close();
  });
  return { name, client };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
