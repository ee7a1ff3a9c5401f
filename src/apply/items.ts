import { parseApiVersion, UnknownKindError, type Discovery, type KubeObject, type ResourceMapping } from '../k8s/index.js';
import { Annotations } from './annotations.js';
import type { ObjectFailure } from './errors.js';
import { clone, describeManifest, isCRD, keyOf, refOf, type Manifest, type ObjectRef } from './objects.js';

/** One desired object on its way through the engine. */
export interface Item {
  manifest: Manifest;
  /** The object as it will be sent: namespace defaulted, inventory mark added. */
  desired: KubeObject;
  ref: ObjectRef;
  key: string;
  /** Undefined while the kind waits for a CRD of the same apply set. */
  mapping?: ResourceMapping | undefined;
  namespaced: boolean;
  /** Name of the CRD in this apply set that defines the kind, when the server does not serve it yet. */
  waitingForCrd?: string | undefined;
  /** The live object, when it exists. */
  live?: KubeObject | undefined;
}

/** What {@link buildItems} needs besides the manifests. */
export interface BuildOptions {
  discovery: Discovery;
  defaultNamespace: string;
  /** Inventory name to mark objects with. */
  inventory?: string | undefined;
}

/**
 * Turns manifests into items: maps every kind through discovery (or to a CRD of the same set),
 * defaults the namespace of namespaced objects, drops it from cluster-scoped ones, and adds the
 * inventory mark. Every problem is collected, so one run reports all of them.
 */
export async function buildItems(manifests: Manifest[], options: BuildOptions): Promise<{ items: Item[]; failures: ObjectFailure[] }> {
  const failures: ObjectFailure[] = [];
  const crds = crdsInSet(manifests);
  const ids = [...new Set(manifests.map((m) => `${m.object.apiVersion ?? ''}|${m.object.kind ?? ''}`))];
  // All at once, and awaited together, so one failure rejects once instead of leaving the others unhandled.
  const found = await Promise.all(ids.map((id) => options.discovery.lookup(id.split('|')[0]!, id.split('|')[1]!)));
  const kinds = new Map<string, ResourceMapping | undefined>(ids.map((id, i) => [id, found[i]]));
  const items: Item[] = [];
  const seen = new Map<string, Manifest>();
  for (const m of manifests) {
    const desired = clone(m.object);
    const apiVersion = desired.apiVersion ?? '';
    const kind = desired.kind ?? '';
    const mapping = kinds.get(`${apiVersion}|${kind}`);
    let namespaced: boolean;
    let waitingForCrd: string | undefined;
    if (mapping) {
      namespaced = mapping.namespaced;
    } else {
      const crd = crds.get(`${parseApiVersion(apiVersion).group}|${kind}|${parseApiVersion(apiVersion).version}`);
      if (!crd) {
        failures.push({ object: describeManifest(m), message: new UnknownKindError(apiVersion, kind).message });
        continue;
      }
      namespaced = crd.namespaced;
      waitingForCrd = crd.name;
    }
    if (namespaced) desired.metadata.namespace ||= options.defaultNamespace;
    else delete desired.metadata.namespace;
    if (options.inventory) desired.metadata.annotations = { ...desired.metadata.annotations, [Annotations.inventory]: options.inventory };
    const ref = refOf(desired);
    const key = keyOf(ref);
    const earlier = seen.get(key);
    if (earlier) {
      failures.push({ object: describeManifest(m, ref), message: `the same object is also defined by ${describeManifest(earlier, ref)}: keep one of them` });
      continue;
    }
    seen.set(key, m);
    items.push({ manifest: m, desired, ref, key, mapping, namespaced, waitingForCrd });
  }
  return { items, failures };
}

interface CrdInfo {
  name: string;
  namespaced: boolean;
}

/** `group|kind|version` → the CRD of this set that serves it. */
function crdsInSet(manifests: Manifest[]): Map<string, CrdInfo> {
  const out = new Map<string, CrdInfo>();
  for (const m of manifests) {
    if (!isCRD(refOf(m.object))) continue;
    const spec = (m.object['spec'] ?? {}) as { group?: string; scope?: string; names?: { kind?: string }; versions?: { name?: string; served?: boolean }[] };
    for (const v of spec.versions ?? []) {
      if (v.served === false) continue;
      out.set(`${spec.group}|${spec.names?.kind}|${v.name}`, { name: m.object.metadata.name ?? '', namespaced: spec.scope !== 'Cluster' });
    }
  }
  return out;
}
