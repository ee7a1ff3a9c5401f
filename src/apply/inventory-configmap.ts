import { isApiError, isConflict, type KubeClient, type KubeObject, type ResourceRef } from '../k8s/index.js';
import { InventoryError } from './errors.js';
import { decodeInventory, encodeInventory, type InventoryLock, type InventoryStore, type LockOptions } from './inventory.js';
import { acquireLeaseLock } from './inventory-lock.js';
import type { ObjectRef } from './objects.js';

/** Label that marks a ConfigMap as a Capstan inventory. */
export const INVENTORY_LABEL = 'capstan.dev/inventory';
const DATA_KEY = 'objects.json';
/** A ConfigMap may hold 1 MiB in all; this leaves room for its metadata. */
export const MAX_RECORD_BYTES = 900 * 1024;

/**
 * An inventory kept in a ConfigMap `<name>` (label `capstan.dev/inventory=<name>`), data
 * `objects.json`, locked by the Lease `capstan-inventory.<name>` beside it. A ConfigMap of that
 * name that lacks the label is someone else's and is never overwritten; every save is guarded by
 * the resourceVersion the last load saw.
 */
export class ConfigMapInventory implements InventoryStore {
  readonly name: string;
  readonly namespace: string;
  readonly id: string;
  readonly objects: readonly ObjectRef[];
  private readonly client: KubeClient;
  private readonly fieldManager: string;
  /** resourceVersion of the record as last read or written; '' when there is none. */
  private seen: string | undefined;
  /** The record's data as last read or written. */
  private seenData: string | undefined;

  constructor(client: KubeClient, name: string, namespace: string, fieldManager = 'capstan') {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 63) {
      throw new InventoryError(`inventory name "${name}" is not a valid object name: use lowercase letters, digits, '-' and '.', at most 63 characters`);
    }
    this.client = client;
    this.name = name;
    this.namespace = namespace;
    this.id = `ConfigMap/${namespace}/${name}`;
    this.objects = [
      { apiVersion: 'v1', kind: 'ConfigMap', namespace, name },
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: this.leaseName() },
    ];
    this.fieldManager = fieldManager;
  }

  /** `[namespace/]name` as the CLI takes it; the namespace defaults to `defaultNamespace`. */
  static parse(client: KubeClient, spec: string, defaultNamespace: string, fieldManager?: string): ConfigMapInventory {
    const slash = spec.indexOf('/');
    return slash < 0
      ? new ConfigMapInventory(client, spec, defaultNamespace, fieldManager)
      : new ConfigMapInventory(client, spec.slice(slash + 1), spec.slice(0, slash), fieldManager);
  }

  lock(options: LockOptions): Promise<InventoryLock> {
    return acquireLeaseLock(this.client, this.namespace, this.leaseName(), `inventory ${this.namespace}/${this.name}`, options);
  }

  async load(): Promise<ObjectRef[] | undefined> {
    const cm = await this.client.get(this.ref());
    this.seen = cm?.metadata.resourceVersion ?? '';
    if (!cm) return undefined;
    this.checkOurs(cm);
    const raw = (cm['data'] as Record<string, string> | undefined)?.[DATA_KEY];
    this.seenData = raw;
    if (!raw) return [];
    try {
      return decodeInventory(raw);
    } catch (err) {
      throw new InventoryError(`inventory ConfigMap ${this.namespace}/${this.name}: data ${DATA_KEY} is unreadable (${(err as Error).message}); delete the ConfigMap to start a new inventory (nothing will be pruned on the next apply)`, { cause: err });
    }
  }

  checkCapacity(objects: ObjectRef[]): void {
    const bytes = Buffer.byteLength(encodeInventory(objects));
    if (bytes > MAX_RECORD_BYTES) {
      throw new InventoryError(`the record of ${objects.length} objects takes ${Math.ceil(bytes / 1024)} KiB, more than the ${MAX_RECORD_BYTES / 1024} KiB inventory ConfigMap ${this.namespace}/${this.name} can hold: split the set into several inventories`);
    }
  }

  async save(objects: ObjectRef[]): Promise<void> {
    if (this.seen === undefined) await this.load();
    this.checkCapacity(objects);
    const data = encodeInventory(objects);
    if (this.seen && data === this.seenData) return; // an unchanged record is not written again
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, namespace: this.namespace, labels: { [INVENTORY_LABEL]: this.name, 'app.kubernetes.io/managed-by': 'capstan' } },
      data: { [DATA_KEY]: data },
    };
    const query = { fieldManager: this.fieldManager };
    try {
      const written = this.seen
        ? await this.client.replace(this.ref(), { ...body, metadata: { ...body.metadata, resourceVersion: this.seen } }, query)
        : await this.client.create({ ...this.ref(), name: undefined }, body, query);
      this.seen = written.metadata.resourceVersion ?? '';
      this.seenData = data;
    } catch (err) {
      if (isConflict(err)) {
        throw new InventoryError(`inventory ConfigMap ${this.namespace}/${this.name} was changed by someone else during this run, so it was not overwritten: run again to merge with what they recorded`, { cause: err });
      }
      if (isApiError(err, 404)) {
        throw new InventoryError(`cannot save inventory ${this.namespace}/${this.name}: namespace ${this.namespace} does not exist`, { cause: err });
      }
      throw err;
    }
  }

  private leaseName(): string {
    return `capstan-inventory.${this.name}`;
  }

  private ref(): ResourceRef {
    return { group: '', version: 'v1', resource: 'configmaps', namespace: this.namespace, name: this.name };
  }

  private checkOurs(cm: KubeObject): void {
    if (cm.metadata.labels?.[INVENTORY_LABEL] !== this.name) {
      throw new InventoryError(`ConfigMap ${this.namespace}/${this.name} exists but is not a Capstan inventory (no label ${INVENTORY_LABEL}=${this.name}): choose another inventory name`);
    }
  }
}
