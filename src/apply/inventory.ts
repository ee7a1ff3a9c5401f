import { ApiError, type KubeClient, type KubeObject } from '../k8s/index.js';
import { keyOf, type ObjectRef } from './objects.js';

/** Where the record of an apply set lives; the agent keeps it in its own status, the CLI in a ConfigMap. */
export interface InventoryStore {
  /** The inventory name objects are marked with (annotation `capstan.dev/inventory`). */
  readonly name: string;
  /** The objects of the last apply, or `undefined` when there was none. */
  load(): Promise<ObjectRef[] | undefined>;
  /** Records the objects of this apply. */
  save(objects: ObjectRef[]): Promise<void>;
}

/** Label that marks a ConfigMap as a Capstan inventory. */
export const INVENTORY_LABEL = 'capstan.dev/inventory';
const DATA_KEY = 'objects.json';

/**
 * An inventory kept in a ConfigMap `<name>` (label `capstan.dev/inventory=<name>`), data
 * `objects.json`: the sorted list of applied objects. A ConfigMap of that name that lacks
 * the label is someone else's and is never overwritten.
 */
export class ConfigMapInventory implements InventoryStore {
  readonly name: string;
  readonly namespace: string;
  private readonly client: KubeClient;
  private readonly fieldManager: string;

  constructor(client: KubeClient, name: string, namespace: string, fieldManager = 'capstan') {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 63) {
      throw new Error(`inventory name "${name}" is not a valid object name: use lowercase letters, digits, '-' and '.', at most 63 characters`);
    }
    this.client = client;
    this.name = name;
    this.namespace = namespace;
    this.fieldManager = fieldManager;
  }

  /** `[namespace/]name` as the CLI takes it; the namespace defaults to `defaultNamespace`. */
  static parse(client: KubeClient, spec: string, defaultNamespace: string, fieldManager?: string): ConfigMapInventory {
    const slash = spec.indexOf('/');
    return slash < 0
      ? new ConfigMapInventory(client, spec, defaultNamespace, fieldManager)
      : new ConfigMapInventory(client, spec.slice(slash + 1), spec.slice(0, slash), fieldManager);
  }

  async load(): Promise<ObjectRef[] | undefined> {
    const cm = await this.client.get(this.ref());
    if (!cm) return undefined;
    this.checkOurs(cm);
    const raw = (cm['data'] as Record<string, string> | undefined)?.[DATA_KEY];
    if (!raw) return [];
    try {
      return decodeInventory(raw);
    } catch (err) {
      throw new Error(`inventory ConfigMap ${this.namespace}/${this.name}: data ${DATA_KEY} is unreadable (${(err as Error).message}); delete the ConfigMap to start a new inventory (nothing will be pruned on the next apply)`);
    }
  }

  async save(objects: ObjectRef[]): Promise<void> {
    const existing = await this.client.get(this.ref());
    if (existing) this.checkOurs(existing);
    const data = encodeInventory(objects);
    if ((existing?.['data'] as Record<string, string> | undefined)?.[DATA_KEY] === data) return;
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, namespace: this.namespace, labels: { [INVENTORY_LABEL]: this.name, 'app.kubernetes.io/managed-by': 'capstan' } },
      data: { [DATA_KEY]: data },
    };
    try {
      await this.client.apply(this.ref(), body, { fieldManager: this.fieldManager, force: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) {
        throw new Error(`cannot save inventory ${this.namespace}/${this.name}: namespace ${this.namespace} does not exist; create it or pass --inventory <namespace>/${this.name}`, { cause: err });
      }
      throw err;
    }
  }

  private ref() {
    return { group: '', version: 'v1', resource: 'configmaps', namespace: this.namespace, name: this.name };
  }

  private checkOurs(cm: KubeObject): void {
    if (cm.metadata.labels?.[INVENTORY_LABEL] !== this.name) {
      throw new Error(`ConfigMap ${this.namespace}/${this.name} exists but is not a Capstan inventory (no label ${INVENTORY_LABEL}=${this.name}): choose another --inventory name`);
    }
  }
}

/** Inventory data as stored: one JSON object per entry, sorted, so diffs of it read well. */
export function encodeInventory(objects: ObjectRef[]): string {
  const sorted = dedupe(objects).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  return `[\n${sorted.map((o) => `  ${JSON.stringify(o.namespace ? { apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name } : { apiVersion: o.apiVersion, kind: o.kind, name: o.name })}`).join(',\n')}\n]\n`;
}

/** Reads what {@link encodeInventory} wrote. */
export function decodeInventory(raw: string): ObjectRef[] {
  const parsed = JSON.parse(raw) as unknown;
  if (!Array.isArray(parsed)) throw new Error('expected a JSON list');
  return parsed.map((e, i) => {
    const o = e as Record<string, unknown>;
    if (typeof o['apiVersion'] !== 'string' || typeof o['kind'] !== 'string' || typeof o['name'] !== 'string') {
      throw new Error(`entry ${i} lacks apiVersion, kind or name`);
    }
    return { apiVersion: o['apiVersion'], kind: o['kind'], name: o['name'], namespace: typeof o['namespace'] === 'string' ? o['namespace'] : undefined };
  });
}

/** Removes duplicate references (same group, kind, namespace and name), keeping the last. */
export function dedupe(objects: ObjectRef[]): ObjectRef[] {
  const byKey = new Map<string, ObjectRef>();
  for (const o of objects) byKey.set(keyOf(o), o);
  return [...byKey.values()];
}
