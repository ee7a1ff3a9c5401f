import type { KubeObject } from '../k8s/index.js';
import { deepEqual } from './normalize.js';

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** The managedFields entries of an object. */
export function managedFields(obj: KubeObject): ManagedFieldsEntry[] {
  return (obj.metadata.managedFields ?? []) as ManagedFieldsEntry[];
}

/** The entry of `manager`'s server-side apply on the main resource, if any. */
export function applyEntry(obj: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return managedFields(obj).find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
}

/**
 * The part of `live` that a field set (`fieldsV1`) covers: the fields a manager owns, with
 * their live values. Keys of associative lists (`k:{...}`) select list items by their key
 * fields, set items (`v:...`) by value, and `i:N` by index.
 * Returns `undefined` when the field set names something `live` does not hold.
 */
export function projectFields(live: unknown, fields: Record<string, unknown>): unknown {
  const keys = Object.keys(fields).filter((k) => k !== '.');
  if (keys.length === 0) return live;
  if (Array.isArray(live)) return projectList(live, fields, keys);
  if (typeof live !== 'object' || live === null) return undefined;
  const src = live as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (!key.startsWith('f:')) return undefined;
    const name = key.slice(2);
    if (!(name in src)) return undefined;
    const sub = projectFields(src[name], fields[key] as Record<string, unknown>);
    if (sub === undefined) return undefined;
    out[name] = sub;
  }
  return out;
}

function projectList(live: unknown[], fields: Record<string, unknown>, keys: string[]): unknown[] | undefined {
  const picked: { index: number; value: unknown }[] = [];
  for (const key of keys) {
    const sub = fields[key] as Record<string, unknown>;
    let index: number;
    if (key.startsWith('k:')) {
      const want = JSON.parse(key.slice(2)) as Record<string, unknown>;
      index = live.findIndex((item) => typeof item === 'object' && item !== null && Object.entries(want).every(([k, v]) => deepEqual((item as Record<string, unknown>)[k], v)));
    } else if (key.startsWith('v:')) {
      const want = JSON.parse(key.slice(2)) as unknown;
      index = live.findIndex((item) => deepEqual(item, want));
    } else if (key.startsWith('i:')) {
      index = Number(key.slice(2));
      if (!(index in live)) index = -1;
    } else {
      return undefined;
    }
    if (index < 0) return undefined;
    const value = projectFields(live[index], sub);
    if (value === undefined) return undefined;
    picked.push({ index, value });
  }
  return picked.sort((a, b) => a.index - b.index).map((p) => p.value);
}

/** Identity fields server-side apply always requires and never records in a field set. */
function withoutIdentity(obj: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = obj;
  const { name: _n, namespace: _ns, ...meta } = metadata;
  return Object.keys(meta).length ? { ...rest, metadata: meta } : rest;
}

/**
 * Proves, without asking the server, that applying `desired` as `manager` would change
 * nothing: the fields the manager owns on `live`, with their live values, are exactly the
 * fields and values of `desired`. Server-side apply then has nothing to set and nothing to
 * release. Any doubt (normalised quantities, defaulted list keys, another version) answers
 * false, and the caller asks the server with a dry-run instead.
 */
export function provablyUnchanged(desired: KubeObject, live: KubeObject, manager: string): boolean {
  if (live.metadata.deletionTimestamp) return false;
  const entry = applyEntry(live, manager);
  if (!entry?.fieldsV1 || entry.apiVersion !== desired.apiVersion || live.apiVersion !== desired.apiVersion) return false;
  const owned = projectFields(live, entry.fieldsV1);
  if (owned === undefined) return false;
  return deepEqual(owned, withoutIdentity(desired));
}
