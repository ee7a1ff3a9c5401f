import type { KubeObject } from '../../k8s/index.js';
import type { Container, Pod } from './types.js';

/** Looks up a ConfigMap or Secret's data (Secret values already decoded). */
export type DataSource = (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) => Promise<Record<string, string> | undefined>;

/** Reads a `fieldRef.fieldPath` of a pod, as the downward API does. */
export function podField(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'metadata.labels': return Object.entries(meta.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations': return Object.entries(meta.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.podIPs': return (pod.status?.podIPs ?? []).map((p) => p.ip).join(',');
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    case 'status.hostIPs': return (pod.status?.hostIPs ?? []).map((p) => p.ip).join(',');
    default: throw new Error(`unsupported downward API field "${fieldPath}" in pod ${meta.namespace}/${meta.name}`);
  }
}

/**
 * The environment of a container: the `kubernetes` Service variables, `envFrom`, then `env` with
 * `$(VAR)` references expanded, as the kubelet builds it.
 */
export async function containerEnv(pod: Pod, container: Container, base: Record<string, string>, data: DataSource): Promise<Record<string, string>> {
  const namespace = pod.metadata.namespace!;
  const env: Record<string, string> = { ...base };
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const values = await data(kind, namespace, ref.name);
    if (!values) {
      if (ref.optional) continue;
      throw new Error(`${kind} "${ref.name}" named in envFrom of container "${container.name}" does not exist in namespace ${namespace}`);
    }
    for (const [k, v] of Object.entries(values)) env[(from.prefix ?? '') + k] = v;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = expand(variable.value ?? '', env);
    } else if (from.fieldRef) {
      env[variable.name] = podField(pod, from.fieldRef.fieldPath);
    } else if (from.resourceFieldRef) {
      env[variable.name] = resourceValue(pod, container, from.resourceFieldRef);
    } else {
      const keyRef = from.configMapKeyRef ?? from.secretKeyRef!;
      const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const value = (await data(kind, namespace, keyRef.name))?.[keyRef.key];
      if (value === undefined) {
        if (keyRef.optional) continue;
        throw new Error(`env ${variable.name} of container "${container.name}": key "${keyRef.key}" of ${kind} "${keyRef.name}" does not exist in namespace ${namespace}`);
      }
      env[variable.name] = value;
    }
  }
  return env;
}

/** Expands `$(VAR)` references with `env`; `$$(VAR)` escapes; unknown references stay as written. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && name in env ? env[name]! : match;
  });
}

function resourceValue(pod: Pod, container: Container, ref: { resource: string; containerName?: string }): string {
  const target = ref.containerName ? pod.spec.containers.find((c) => c.name === ref.containerName) ?? container : container;
  const [kind, resource] = ref.resource.split('.') as ['limits' | 'requests', string];
  const value = target.resources?.[kind]?.[resource];
  if (value) return value;
  return resource === 'cpu' ? '1' : '0';
}

/** The decoded data of a ConfigMap or Secret object. */
export function objectData(object: KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string> }, kind: 'ConfigMap' | 'Secret'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(object.data ?? {})) out[k] = kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v;
  for (const [k, v] of Object.entries(object.binaryData ?? {})) out[k] = Buffer.from(v, 'base64').toString('latin1');
  return out;
}
