import { isDeepStrictEqual } from 'node:util';
import { InventoryError, heldByCaller, type InventoryLock, type InventoryStore, type ObjectRef } from '../apply/index.js';
import { isConflict, type KubeClient, type KubeObject, type ResourceRef } from '../k8s/index.js';
import { SyncType } from '../constructs/schema/index.js';

/** One group of the status inventory: apiVersion, kind, namespace and the names. */
export interface InventoryGroup {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  names: string[];
}

/** The status can hold about 1.5 MiB in all (etcd's limit); this leaves room for the rest of the Sync. */
export const MAX_STATUS_INVENTORY_BYTES = 1024 * 1024;

/** `status.inventory` of a Sync: one entry per apiVersion, kind and namespace, names sorted. */
export function groupInventory(objects: readonly ObjectRef[]): InventoryGroup[] {
  const groups = new Map<string, InventoryGroup>();
  for (const o of objects) {
    const id = `${o.apiVersion}|${o.kind}|${o.namespace ?? ''}`;
    const group = groups.get(id) ?? { apiVersion: o.apiVersion, kind: o.kind, ...(o.namespace ? { namespace: o.namespace } : {}), names: [] };
    if (!group.names.includes(o.name)) group.names.push(o.name);
    groups.set(id, group);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => ({ ...g, names: g.names.sort() }));
}

/** The objects a status inventory records. */
export function ungroupInventory(groups: readonly InventoryGroup[]): ObjectRef[] {
  return groups.flatMap((g) => g.names.map((name) => ({ apiVersion: g.apiVersion, kind: g.kind, namespace: g.namespace || undefined, name })));
}

/**
 * The inventory of a Sync, kept in its own `status.inventory`. The agent's controller reconciles
 * one Sync at a time and is leader-elected, so the caller already holds the lock; every save is a
 * status patch guarded by the resourceVersion last read or written, so a concurrent writer is
 * detected and never overwritten.
 */
export class SyncStatusInventory implements InventoryStore {
  readonly id: string;
  readonly name: string;
  /**
   * No namespace to make sure of before the first save: the Sync holding the record exists, so its
   * namespace does; and a Sync applying as its own ServiceAccount may not read Namespaces.
   */
  readonly namespace = undefined;
  /** The Sync's namespace. */
  readonly syncNamespace: string;
  readonly objects: readonly ObjectRef[];
  /** The Sync as last read or written by this store. */
  latest: KubeObject | undefined;

  constructor(private readonly client: KubeClient, namespace: string, name: string) {
    this.name = name;
    this.syncNamespace = namespace;
    this.id = `Sync/${namespace}/${name}`;
    this.objects = [{ apiVersion: SyncType.apiVersion, kind: SyncType.kind, namespace, name }];
  }

  lock(): Promise<InventoryLock> {
    return Promise.resolve(heldByCaller);
  }

  async load(): Promise<ObjectRef[] | undefined> {
    const sync = await this.client.get(this.ref());
    if (!sync) throw new InventoryError(`Sync ${this.syncNamespace}/${this.name} is gone: nothing is recorded for it`);
    this.latest = sync;
    const groups = (sync['status'] as { inventory?: InventoryGroup[] } | undefined)?.inventory;
    return groups ? ungroupInventory(groups) : undefined;
  }

  checkCapacity(objects: ObjectRef[]): void {
    const bytes = Buffer.byteLength(JSON.stringify(groupInventory(objects)));
    if (bytes > MAX_STATUS_INVENTORY_BYTES) {
      throw new InventoryError(`the record of ${objects.length} objects takes ${Math.ceil(bytes / 1024)} KiB, more than the ${MAX_STATUS_INVENTORY_BYTES / 1024} KiB the status of Sync ${this.syncNamespace}/${this.name} can hold: split the path over several Syncs`);
    }
  }

  async save(objects: ObjectRef[]): Promise<void> {
    if (!this.latest) await this.load();
    this.checkCapacity(objects);
    const groups = groupInventory(objects);
    const recorded = (this.latest!['status'] as { inventory?: InventoryGroup[] } | undefined)?.inventory;
    if (recorded && isDeepStrictEqual(recorded, groups)) return; // a status write only when the record changes
    try {
      this.latest = await this.client.patch(this.ref('status'), 'merge', {
        metadata: { resourceVersion: this.latest!.metadata.resourceVersion },
        status: { inventory: groups },
      });
    } catch (err) {
      if (isConflict(err)) throw new InventoryError(`Sync ${this.syncNamespace}/${this.name} was changed by someone else while its inventory was being saved, so it was not overwritten: the next reconcile merges with it`, { cause: err });
      throw err;
    }
  }

  private ref(subresource?: string): ResourceRef {
    return { group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace: this.syncNamespace, name: this.name, subresource };
  }
}
