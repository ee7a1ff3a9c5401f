import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseManifests, ResourceManager, type Manifest } from '../../../src/apply/index.js';
import type { KubeClient, KubeObject, ResourceRef } from '../../../src/k8s/index.js';

/** Manifests from YAML text, as the loader reads them. */
export function manifests(yaml: string, file = 'test.yaml'): Manifest[] {
  return parseManifests(yaml, file);
}

/** A resource manager for `namespace` with the default field manager. */
export function manager(client: KubeClient, namespace: string, alwaysDryRun = false): ResourceManager {
  return new ResourceManager(client, { defaultNamespace: namespace, alwaysDryRun });
}

/** A short random suffix for cluster-scoped names. */
export function suffix(): string {
  return randomBytes(3).toString('hex');
}

/** REST refs of common kinds. */
export const refs = {
  configMap: (namespace: string, name: string): ResourceRef => ({ group: '', version: 'v1', resource: 'configmaps', namespace, name }),
  service: (namespace: string, name: string): ResourceRef => ({ group: '', version: 'v1', resource: 'services', namespace, name }),
  deployment: (namespace: string, name: string): ResourceRef => ({ group: 'apps', version: 'v1', resource: 'deployments', namespace, name }),
  job: (namespace: string, name: string): ResourceRef => ({ group: 'batch', version: 'v1', resource: 'jobs', namespace, name }),
  namespace: (name: string): ResourceRef => ({ group: '', version: 'v1', resource: 'namespaces', name }),
  crd: (name: string): ResourceRef => ({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name }),
};

/** resourceVersion of an object, or undefined when it does not exist. */
export async function resourceVersion(client: KubeClient, ref: ResourceRef): Promise<string | undefined> {
  return (await client.get<KubeObject>(ref))?.metadata.resourceVersion;
}

/**
 * The resourceVersions of `objects` once controllers have stopped writing them (unchanged
 * over `quietMs`), so a later comparison sees only our own writes.
 */
export async function settledVersions(client: KubeClient, objects: ResourceRef[], quietMs = 1500, timeoutMs = 30_000): Promise<(string | undefined)[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await Promise.all(objects.map((r) => resourceVersion(client, r)));
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await Promise.all(objects.map((r) => resourceVersion(client, r)));
    if (now.every((v, i) => v === last[i])) return now;
    if (Date.now() > deadline) throw new Error(`objects kept changing for ${timeoutMs} ms: ${objects.map((o) => o.name).join(', ')}`);
    last = now;
  }
}

/** The time of a field manager's last apply, from managedFields. */
export async function appliedAt(client: KubeClient, ref: ResourceRef, manager = 'capstan'): Promise<string | undefined> {
  const obj = await client.get<KubeObject>(ref);
  const entry = (obj?.metadata.managedFields as { manager?: string; operation?: string; time?: string }[] | undefined)?.find((e) => e.manager === manager && e.operation === 'Apply');
  return entry?.time;
}

/** Path of the kubectl built with the local cluster, if there is one. */
export function kubectlPath(): string | undefined {
  const root = '/root/.cache/capstan/bin';
  if (!existsSync(root)) return undefined;
  for (const dir of readdirSync(root)) {
    const candidate = join(root, dir, 'kubectl');
    if (!dir.endsWith('.partial') && existsSync(candidate)) return candidate;
  }
  return undefined;
}
