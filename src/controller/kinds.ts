import { parseApiVersion, type KubeClient, type ResourceRef } from '../k8s/index.js';

/** A kind and where it lives in the REST API: what a controller watches and writes. */
export interface Kind {
  /** e.g. `apps/v1` or `v1`. */
  apiVersion: string;
  /** e.g. `Deployment`. */
  kind: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  /** Whether objects of this kind live in a namespace. */
  namespaced: boolean;
}

/** Describes a kind; `resource` defaults to the lowercase kind plus `s` (pass it when that is wrong). */
export function defineKind(apiVersion: string, kind: string, options: { resource?: string; namespaced?: boolean } = {}): Kind {
  return { apiVersion, kind, resource: options.resource ?? `${kind.toLowerCase()}s`, namespaced: options.namespaced ?? true };
}

/** Kinds of the core API that operators commonly own. */
export const Kinds = {
  ConfigMap: defineKind('v1', 'ConfigMap'),
  Secret: defineKind('v1', 'Secret'),
  Service: defineKind('v1', 'Service'),
  Pod: defineKind('v1', 'Pod'),
  ServiceAccount: defineKind('v1', 'ServiceAccount'),
  PersistentVolumeClaim: defineKind('v1', 'PersistentVolumeClaim'),
  Namespace: defineKind('v1', 'Namespace', { namespaced: false }),
  Deployment: defineKind('apps/v1', 'Deployment'),
  StatefulSet: defineKind('apps/v1', 'StatefulSet'),
  DaemonSet: defineKind('apps/v1', 'DaemonSet'),
  Job: defineKind('batch/v1', 'Job'),
  Lease: defineKind('coordination.k8s.io/v1', 'Lease'),
  Event: defineKind('events.k8s.io/v1', 'Event'),
} as const;

/** The REST location of `kind`, optionally of one object or subresource. */
export function refOf(kind: Kind, namespace?: string, name?: string, subresource?: string): ResourceRef {
  const { group, version } = parseApiVersion(kind.apiVersion);
  return { group, version, resource: kind.resource, namespace: kind.namespaced ? namespace : undefined, name, subresource };
}

/** The API group of `kind` ('' for the core group). */
export function groupOf(kind: Kind): string {
  return parseApiVersion(kind.apiVersion).group;
}

/** Asks the API server's discovery for the resource name and scope of `apiVersion`/`kind`. */
export async function resolveKind(client: KubeClient, apiVersion: string, kind: string): Promise<Kind> {
  const { group } = parseApiVersion(apiVersion);
  const path = group === '' ? `/api/${apiVersion}` : `/apis/${apiVersion}`;
  const list = await client.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>({ method: 'GET', path });
  const found = list.resources.find((r) => r.kind === kind && !r.name.includes('/'));
  if (!found) throw new Error(`the API server serves no kind ${kind} in ${apiVersion}: is its CRD installed and Established?`);
  return { apiVersion, kind, resource: found.name, namespaced: found.namespaced };
}
