import { stringify } from 'yaml';
import { computeHealth } from '../apply/index.js';
import { objectRef, parseApiVersion, type KubeClient, type KubeObject } from '../k8s/index.js';
import type { ConditionView, ObjectDetail, ObjectId, TableView } from './api-types.js';
import { appTables } from './app-views.js';
import { DesiredState } from './desired.js';
import type { ClusterCache } from './cluster.js';
import { eventView } from './events.js';
import { evaluateColumn } from './jsonpath.js';
import { foldManagedFields, maskForDisplay } from './mask.js';
import { nodeId } from './tree.js';
import { inventoryOf } from './view-syncs.js';

interface PrinterColumn { name: string; type?: string; jsonPath: string; priority?: number }
interface Crd extends KubeObject { spec?: { versions?: { name: string; additionalPrinterColumns?: PrinterColumn[] }[] } }

/** No object of that kind and name exists, or the kind is not served. */
export class ObjectNotFoundError extends Error {
  constructor(id: ObjectId, why: string) {
    super(`${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name} (${id.apiVersion}): ${why}`);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * The One object page: the live object read with a GET (the cache holds slim copies), shown masked
 * and with managedFields folded, beside its conditions, Events, printer columns or app tables, owners,
 * containers and the Sync that applied it.
 */
export class ObjectViews {
  /** Printer columns by CRD name and version, read once per dashboard run. */
  private readonly columns = new Map<string, Promise<PrinterColumn[]>>();

  private readonly desired: DesiredState;

  constructor(private readonly client: KubeClient, private readonly cache: ClusterCache, hostAliases: Readonly<Record<string, string>> = {}) {
    this.desired = new DesiredState(client, hostAliases);
  }

  /** Removes what the diffs fetched. */
  close(): void {
    this.desired.close();
  }

  /** The live object; throws {@link ObjectNotFoundError} when it is not there. */
  async fetch(id: ObjectId): Promise<KubeObject> {
    const mapping = await this.cache.mapping(id.apiVersion, id.kind);
    if (!mapping) throw new ObjectNotFoundError(id, 'the API server does not serve this kind');
    const obj = await this.client.get(objectRef(mapping, id.name, id.namespace));
    if (!obj) throw new ObjectNotFoundError(id, 'not found');
    return obj;
  }

  /** The page for `obj` as fetched, with Events and related objects from the cache. */
  async render(obj: KubeObject): Promise<ObjectDetail> {
    const id: ObjectId = { apiVersion: obj.apiVersion ?? 'v1', kind: obj.kind ?? '', namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
    const status = (obj['status'] ?? {}) as { conditions?: ConditionView[] };
    const spec = (obj['spec'] ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
    const tables: TableView[] = [...await this.printerColumns(obj)];
    const topics = obj.kind === 'KafkaCluster' ? this.cache.list('kafka.capstan.dev/v1alpha1', 'KafkaTopic', id.namespace) : [];
    const backups = obj.kind === 'EtcdCluster' ? this.cache.list('etcd.capstan.dev/v1alpha1', 'EtcdBackup', id.namespace) : [];
    tables.push(...appTables(obj, { topics, backups }));
    const uids = new Set(obj.metadata.uid ? [obj.metadata.uid] : []);
    const sync = this.syncOf(id, obj);
    const inInventory = sync && this.inventoryHolds(sync, id);
    const syncObj = sync ? this.cache.syncs.store.getByName(sync.namespace, sync.name) : undefined;
    const desired = inInventory && syncObj
      ? await this.desired.diffOf(syncObj, obj).catch((err: unknown) => ({ diff: null, note: `cannot diff: ${(err as Error).message}` }))
      : { diff: null, note: sync ? 'a controller made this object: no revision holds a manifest of it' : 'no Sync applied this object' };
    return {
      object: id,
      uid: obj.metadata.uid ?? null,
      health: computeHealth(obj),
      yaml: stringify(maskForDisplay(obj), { lineWidth: 0 }),
      managedFields: foldManagedFields(obj),
      conditions: (Array.isArray(status.conditions) ? status.conditions : []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime })),
      events: id.namespace ? this.cache.events(id.namespace, { uids, names: new Set([`${id.kind}/${id.name}`]) }).map(eventView) : [],
      tables,
      containers: id.kind === 'Pod' && id.apiVersion === 'v1' ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.name) : [],
      owners: (obj.metadata.ownerReferences ?? []).map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, namespace: id.namespace, name: r.name })),
      sync,
      diff: desired.diff,
      diffNote: desired.note,
    };
  }

  private inventoryHolds(sync: { namespace: string; name: string }, id: ObjectId): boolean {
    const s = this.cache.syncs.store.getByName(sync.namespace, sync.name);
    const wanted = nodeId(id);
    return !!s && inventoryOf(s).some((ref) => nodeId(ref) === wanted);
  }

  /** The Sync whose inventory holds `obj`, or holds an owner of it (up the owner chain, through the cache). */
  private syncOf(id: ObjectId, obj: KubeObject | undefined, depth = 0): { namespace: string; name: string } | null {
    const wanted = nodeId(id);
    for (const s of this.cache.syncs.store.list()) {
      if (inventoryOf(s).some((ref) => nodeId(ref) === wanted)) return { namespace: s.metadata.namespace!, name: s.metadata.name! };
    }
    if (depth > 6) return null;
    for (const r of obj?.metadata.ownerReferences ?? []) {
      const ownerId = { apiVersion: r.apiVersion, kind: r.kind, namespace: id.namespace, name: r.name };
      const found = this.syncOf(ownerId, this.cache.find(ownerId).obj, depth + 1);
      if (found) return found;
    }
    return null;
  }

  /** The CRD's printer columns of a custom resource, evaluated on it; none for built-in kinds. */
  private async printerColumns(obj: KubeObject): Promise<TableView[]> {
    const { group, version } = parseApiVersion(obj.apiVersion ?? '');
    if (!group.includes('.') || group.endsWith('.k8s.io')) return [];
    const mapping = await this.cache.mapping(obj.apiVersion ?? '', obj.kind ?? '');
    if (!mapping) return [];
    const key = `${mapping.resource}.${group}/${version}`;
    let pending = this.columns.get(key);
    if (!pending) {
      pending = this.client.get<Crd>({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: `${mapping.resource}.${group}` })
        .then((crd) => crd?.spec?.versions?.find((v) => v.name === version)?.additionalPrinterColumns ?? [], () => []);
      this.columns.set(key, pending);
    }
    const columns = await pending;
    if (!columns.length) return [];
    return [{
      title: 'Printer columns',
      columns: columns.map((c) => c.name),
      types: columns.map((c) => c.type ?? 'string'),
      rows: [columns.map((c) => {
        try {
          return evaluateColumn(obj, c.jsonPath);
        } catch {
          return '';
        }
      })],
    }];
  }
}
