import { keyOf, type ObjectRef } from './objects.js';

/**
 * Where the record of an apply set lives: the CLI keeps it in a ConfigMap, the sync agent in the
 * status of its `Sync`. The sync verb holds the store's lock for a whole run, records the union of
 * the old and new sets before its first write and the new set after its prune, so no run loses
 * another's records and no written object goes unrecorded.
 */
export interface InventoryStore {
  /** The exact owner id written into each object's mark: `Kind/namespace/name` of the object holding the record. */
  readonly id: string;
  /** The bare inventory name, which marks of older Capstan versions hold. */
  readonly name: string;
  /** The objects the store itself keeps in the cluster (its record, its lock): the set may not contain them. */
  readonly objects: readonly ObjectRef[];
  /** The namespace that must exist before the record can be written, if any. */
  readonly namespace?: string | undefined;
  /** Takes the store's lock, waiting up to `waitMs` for another holder; throws InventoryError when it stays taken. */
  lock(options: LockOptions): Promise<InventoryLock>;
  /** The objects recorded last, or `undefined` when there is no record yet. */
  load(): Promise<ObjectRef[] | undefined>;
  /** Throws InventoryError when a record of `objects` cannot be stored (too large): checked before anything is written. */
  checkCapacity(objects: ObjectRef[]): void;
  /** Records `objects`, replacing what was recorded; guarded so a concurrent writer is detected, never overwritten. */
  save(objects: ObjectRef[]): Promise<void>;
}

/** How to wait for an inventory's lock. */
export interface LockOptions {
  /**
   * How long to wait while another run holds the lock.
   * @default 60_000
   */
  waitMs?: number;
  /** Told who holds the lock while waiting. */
  onWait?: (holder: string) => void;
  /** Stops waiting. */
  signal?: AbortSignal;
}

/** A held inventory lock. */
export interface InventoryLock {
  /** Throws InventoryError when the lock was lost (not renewed in time): the run must stop writing. */
  assertHeld(): void;
  /** Hands the lock back. */
  release(): Promise<void>;
}

/** A lock for stores whose writer is already alone (a leader-elected controller's own status). */
export const heldByCaller: InventoryLock = { assertHeld: () => {}, release: async () => {} };

/**
 * Inventory data as stored, compact enough for tens of thousands of objects in one ConfigMap: one
 * line per apiVersion, kind and namespace, holding the sorted names.
 * `{"v":2,"groups":[["apps/v1","Deployment","shop",["api","web"]], …]}`
 */
export function encodeInventory(objects: ObjectRef[]): string {
  const groups = new Map<string, { apiVersion: string; kind: string; namespace: string; names: string[] }>();
  for (const o of dedupe(objects)) {
    const id = `${o.apiVersion}|${o.kind}|${o.namespace ?? ''}`;
    const group = groups.get(id) ?? { apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace ?? '', names: [] };
    group.names.push(o.name);
    groups.set(id, group);
  }
  const lines = [...groups.values()]
    .sort((a, b) => `${a.apiVersion}|${a.kind}|${a.namespace}`.localeCompare(`${b.apiVersion}|${b.kind}|${b.namespace}`))
    .map((g) => JSON.stringify([g.apiVersion, g.kind, g.namespace, g.names.sort()]));
  return `{"v":2,"groups":[\n${lines.join(',\n')}\n]}\n`;
}

/** Reads what {@link encodeInventory} wrote, and the list of entries older versions wrote. */
export function decodeInventory(raw: string): ObjectRef[] {
  const parsed = JSON.parse(raw) as unknown;
  if (Array.isArray(parsed)) return parsed.map(legacyEntry);
  const groups = (parsed as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups)) throw new Error('expected {"v":2,"groups":[...]}');
  const out: ObjectRef[] = [];
  groups.forEach((g, i) => {
    if (!Array.isArray(g) || g.length !== 4 || typeof g[0] !== 'string' || typeof g[1] !== 'string' || typeof g[2] !== 'string' || !Array.isArray(g[3])) {
      throw new Error(`group ${i} is not [apiVersion, kind, namespace, [names]]`);
    }
    for (const name of g[3] as unknown[]) {
      if (typeof name !== 'string') throw new Error(`group ${i} holds a name that is not a string`);
      out.push({ apiVersion: g[0], kind: g[1], namespace: g[2] || undefined, name });
    }
  });
  return out;
}

function legacyEntry(e: unknown, i: number): ObjectRef {
  const o = e as Record<string, unknown>;
  if (typeof o['apiVersion'] !== 'string' || typeof o['kind'] !== 'string' || typeof o['name'] !== 'string') {
    throw new Error(`entry ${i} lacks apiVersion, kind or name`);
  }
  return { apiVersion: o['apiVersion'], kind: o['kind'], name: o['name'], namespace: typeof o['namespace'] === 'string' ? o['namespace'] : undefined };
}

/** Removes duplicate references (same group, kind, namespace and name), keeping the last. */
export function dedupe(objects: ObjectRef[]): ObjectRef[] {
  const byKey = new Map<string, ObjectRef>();
  for (const o of objects) byKey.set(keyOf(o), o);
  return [...byKey.values()];
}
