import { objectRef, type Discovery, type KubeClient, type KubeObject, type ResourceMapping } from '../k8s/index.js';
import { keyOf, type ObjectRef } from './objects.js';
import { mapLimit } from './pool.js';

/** Below this many objects of one resource in one namespace, single GETs are cheaper than a LIST. */
const LIST_THRESHOLD = 8;

/** An object reference with its REST mapping. */
export interface MappedRef {
  ref: ObjectRef;
  mapping: ResourceMapping;
}

/**
 * Reads the live state of many objects: a LIST per resource and namespace where many
 * objects share one, single GETs otherwise. The result maps {@link keyOf} to the object;
 * missing objects are absent.
 */
export async function fetchLive(client: KubeClient, refs: MappedRef[], concurrency = 32): Promise<Map<string, KubeObject>> {
  const groups = new Map<string, MappedRef[]>();
  for (const r of refs) {
    const ns = r.mapping.namespaced ? r.ref.namespace ?? '' : '';
    const id = `${r.mapping.group}/${r.mapping.version}/${r.mapping.resource}/${ns}`;
    const list = groups.get(id) ?? [];
    list.push(r);
    groups.set(id, list);
  }
  const out = new Map<string, KubeObject>();
  const tasks: (() => Promise<void>)[] = [];
  for (const members of groups.values()) {
    const first = members[0]!;
    if (members.length >= LIST_THRESHOLD) {
      tasks.push(async () => {
        const wanted = new Set(members.map((m) => m.ref.name));
        const list = await client.list({ ...objectRef(first.mapping, '', first.ref.namespace), name: undefined });
        for (const item of list.items) {
          if (!wanted.has(item.metadata.name ?? '')) continue;
          item.apiVersion ??= list.apiVersion;
          item.kind ??= first.mapping.kind;
          out.set(keyOf({ ...first.ref, name: item.metadata.name ?? '' }), item);
        }
      });
    } else {
      for (const m of members) {
        tasks.push(async () => {
          const obj = await client.get(objectRef(m.mapping, m.ref.name, m.ref.namespace));
          if (obj) out.set(keyOf(m.ref), obj);
        });
      }
    }
  }
  const results = await mapLimit(tasks, concurrency, (t) => t());
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return out;
}

/** Maps every reference through discovery; unknown kinds are returned separately. */
export async function mapRefs(discovery: Discovery, refs: ObjectRef[]): Promise<{ mapped: MappedRef[]; unknown: ObjectRef[] }> {
  const mapped: MappedRef[] = [];
  const unknown: ObjectRef[] = [];
  await Promise.all(refs.map(async (ref) => {
    const mapping = await discovery.lookup(ref.apiVersion, ref.kind);
    if (mapping) mapped.push({ ref, mapping });
    else unknown.push(ref);
  }));
  return { mapped, unknown };
}
