import type { KubeObject } from '../k8s/index.js';
import { matchesSelector, parseSelector, type LabelSelectorObject } from './labels.js';

/** Computes the index values of an object, e.g. its namespace. */
export type IndexFunc<T extends KubeObject> = (obj: T) => string[];

/** The store key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function objectKey(obj: { metadata: { namespace?: string | undefined; name?: string | undefined } }): string {
  return keyOf(obj.metadata.namespace, obj.metadata.name ?? '');
}

/** The store key of a namespace and name. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a store key back into namespace and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The name of the built-in index of namespaces. */
export const NAMESPACE_INDEX = 'namespace';
/** The name of the built-in index of `label=value` pairs. */
export const LABEL_INDEX = 'label';

/**
 * An in-memory cache of objects by key, with indexes. Two are built in: `namespace` and `label`
 * (`key=value`); {@link addIndex} adds more. Returned objects are shared: treat them as read-only.
 */
export class Store<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndex(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
    this.addIndex(LABEL_INDEX, (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`));
  }

  /** Number of objects held. */
  get size(): number {
    return this.items.size;
  }

  /** Adds an index computed by `fn`, over the objects already held too. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new Error(`store index "${name}" already exists`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) for (const v of fn(obj)) addTo(index, v, key);
  }

  /** The object at `key` (`namespace/name` or `name`). */
  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** The object named `name` in `namespace` (omit it for cluster-scoped objects). */
  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(keyOf(namespace, name));
  }

  /** Every key held. */
  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  /** Objects whose index `name` has `value`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`store has no index "${name}"; add it with addIndex`);
    return [...(index.get(value) ?? [])].map((k) => this.items.get(k)!);
  }

  /** Objects in `namespace` (all when omitted) matching `labelSelector`, using the indexes to narrow. */
  list(options: { namespace?: string | undefined; labelSelector?: string | LabelSelectorObject | undefined } = {}): T[] {
    const reqs = parseSelector(options.labelSelector);
    let candidates: Iterable<string> | undefined;
    let best = Infinity;
    const consider = (keys: Set<string> | undefined): void => {
      const size = keys?.size ?? 0;
      if (size < best) {
        best = size;
        candidates = keys ?? new Set();
      }
    };
    if (options.namespace !== undefined) consider(this.indices.get(NAMESPACE_INDEX)!.get(options.namespace));
    const labels = this.indices.get(LABEL_INDEX)!;
    for (const r of reqs) {
      if (r.operator !== 'In') continue;
      if (r.values.length === 1) consider(labels.get(`${r.key}=${r.values[0]}`));
      else consider(new Set(r.values.flatMap((v) => [...(labels.get(`${r.key}=${v}`) ?? [])])));
    }
    const out: T[] = [];
    for (const key of candidates ?? this.items.keys()) {
      const obj = this.items.get(key)!;
      if (options.namespace !== undefined && (obj.metadata.namespace ?? '') !== options.namespace) continue;
      if (matchesSelector(reqs, obj.metadata.labels)) out.push(obj);
    }
    return out;
  }

  /** Inserts or replaces `obj`; returns the object it replaced. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) addTo(index, v, key);
    }
    return old;
  }

  /** Removes the object at `key`; returns it. */
  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) {
        const set = index.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) index.delete(v);
      }
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}
