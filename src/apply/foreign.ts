import { isApiError, type KubeObject } from '../k8s/index.js';
import type { Engine } from './engine.js';
import { keyOf, type ObjectRef } from './objects.js';
import { mapLimit } from './pool.js';
import { foreignObjects, type ListedObject } from './prune.js';

/**
 * The objects in namespace `ns` that would be lost with it: neither in `ours` (by {@link keyOf})
 * nor made by Kubernetes for them. Resources we may not list count as foreign, since they could
 * hold anything.
 */
export async function foreignInNamespace(engine: Engine, ns: string, ours: Set<string>): Promise<ObjectRef[]> {
  const resources = (await engine.discovery.preferredResources()).filter((r) => r.namespaced && r.verbs.includes('list'));
  const found: ListedObject[] = [];
  const forbidden: string[] = [];
  await mapLimit(resources, engine.concurrency, async (r) => {
    try {
      const list = await engine.client.list({ group: r.group, version: r.version, resource: r.resource, namespace: ns });
      const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
      for (const obj of list.items) found.push({ obj, kind: r.kind, group: r.group, apiVersion });
    } catch (err) {
      // An API that is not served right now (404, 503 of an aggregated API) holds nothing we could lose.
      if (isApiError(err, 403) || isApiError(err, 401)) forbidden.push(r.resource);
    }
  });
  const foreign = foreignObjects(found, ours);
  if (forbidden.length) foreign.push({ apiVersion: 'v1', kind: `(unlistable: ${forbidden.join(', ')})`, namespace: ns, name: '?' });
  return foreign;
}

/** Custom resources of a CRD, in any namespace, that are not in `ours` (by {@link keyOf}): deleting the CRD would delete them. */
export async function foreignCustomResources(engine: Engine, crd: KubeObject, ours: Set<string>): Promise<ObjectRef[]> {
  const spec = crd['spec'] as { group: string; names: { plural: string; kind: string }; versions?: { name: string; served?: boolean }[] } | undefined;
  const version = spec?.versions?.find((v) => v.served !== false)?.name;
  if (!spec || !version) return [];
  const apiVersion = `${spec.group}/${version}`;
  let items: KubeObject[];
  try {
    items = (await engine.client.list({ group: spec.group, version, resource: spec.names.plural })).items;
  } catch (err) {
    if (isApiError(err, 404)) return []; // not served (yet or any more): no custom resource exists
    throw err;
  }
  return items
    .map((obj): ObjectRef => ({ apiVersion, kind: spec.names.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }))
    .filter((ref) => !ours.has(keyOf(ref)));
}

/** `A, B, C and 4 more`. */
export function listSome(refs: ObjectRef[], describe: (r: ObjectRef) => string, limit = 5): string {
  return refs.slice(0, limit).map(describe).join(', ') + (refs.length > limit ? ` and ${refs.length - limit} more` : '');
}
