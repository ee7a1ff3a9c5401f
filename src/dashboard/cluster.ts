import type { SyncObject } from '../agent/steer.js';
import { Informer, listWatchOf, type Kind } from '../controller/index.js';
import { Discovery, parseApiVersion, type KubeClient, type KubeObject, type ResourceMapping } from '../k8s/index.js';
import type { ObjectId } from './api-types.js';
import { slimEvent, slimObject, type SlimEvent } from './slim.js';

/** Kinds whose objects controllers commonly make for what a Sync applies; watched in every namespace a Sync applies to. */
const CHILD_KINDS: [apiVersion: string, kind: string][] = [
  ['v1', 'Pod'], ['apps/v1', 'ReplicaSet'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'Deployment'], ['batch/v1', 'Job'],
  ['v1', 'Service'], ['v1', 'PersistentVolumeClaim'], ['v1', 'ConfigMap'], ['v1', 'Secret'], ['policy/v1', 'PodDisruptionBudget'],
];

const OWNER_INDEX = 'owner';
const SYNC_KIND: Kind = { apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', resource: 'syncs', namespaced: true };
const EVENT_KIND: Kind = { apiVersion: 'v1', kind: 'Event', resource: 'events', namespaced: true };

/** What the cache knows of one object. */
export interface Lookup {
  obj: KubeObject | undefined;
  /** Whether its kind is watched there and the first list has arrived, so a missing object is really missing. */
  synced: boolean;
}

interface Watched { informer: Informer; namespace: string | undefined; events: boolean }

/** The key of a watched kind: group and kind (versions are one object), and the namespace or '' when cluster-scoped. */
function watchKey(group: string, kind: string, namespace: string | undefined): string {
  return `${group}/${kind}|${namespace ?? ''}`;
}

/**
 * The dashboard's live copy of the cluster: every Sync, and in each namespace a Sync applies to the
 * kinds it applied, the kinds controllers make from them and the Events, each kept by one
 * list-and-watch informer holding slim objects ({@link slimObject}). The set of watches follows the
 * inventories: a kind no inventory names any more stops being watched and its cache is dropped.
 * Listeners hear of every change; nothing is polled.
 */
export class ClusterCache {
  /** Every Sync in the cluster, whole (the views read their status). */
  readonly syncs: Informer<SyncObject>;
  private readonly discovery: Discovery;
  private readonly watched = new Map<string, Watched>();
  private readonly listeners = new Set<() => void>();
  private planning: Promise<void> = Promise.resolve();
  private replan = false;
  private stopped = false;

  constructor(private readonly client: KubeClient) {
    this.discovery = new Discovery(client);
    this.syncs = new Informer<SyncObject>(listWatchOf(client, SYNC_KIND), { name: 'syncs' });
    this.syncs.addHandler({ onAdd: () => this.syncsChanged(), onUpdate: () => this.syncsChanged(), onDelete: () => this.syncsChanged() });
  }

  /** Starts watching; resolves once the Syncs are listed (or after `timeoutMs`, with the list still to come). */
  async start(timeoutMs = 10_000): Promise<void> {
    this.syncs.start();
    await this.syncs.waitForSync(timeoutMs);
    await this.planning;
  }

  /** Calls `listener` after every change of anything cached; returns a function that removes it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How many objects are cached, over all watches (for memory checks and the benchmark). */
  get size(): number {
    let n = this.syncs.store.size;
    for (const w of this.watched.values()) n += w.informer.store.size;
    return n;
  }

  /** The cached (slim) object `id` names. */
  find(id: ObjectId): Lookup {
    const { group } = parseApiVersion(id.apiVersion);
    const w = this.watched.get(watchKey(group, id.kind, id.namespace)) ?? this.watched.get(watchKey(group, id.kind, undefined));
    if (!w) return { obj: undefined, synced: false };
    return { obj: w.informer.store.getByName(w.namespace === undefined ? undefined : id.namespace, id.name), synced: w.informer.hasSynced };
  }

  /** The cached (slim) objects of a kind in `namespace`; empty when the kind is not watched there. */
  list(apiVersion: string, kind: string, namespace: string | undefined): KubeObject[] {
    const { group } = parseApiVersion(apiVersion);
    const w = this.watched.get(watchKey(group, kind, namespace)) ?? this.watched.get(watchKey(group, kind, undefined));
    return w ? w.informer.store.list(w.namespace === undefined ? {} : { namespace }) : [];
  }

  /** The cached objects whose ownerReferences name `owner`'s uid, in its namespace. */
  childrenOf(owner: KubeObject): KubeObject[] {
    const uid = owner.metadata.uid;
    if (!uid) return [];
    const out: KubeObject[] = [];
    for (const w of this.watched.values()) {
      if (w.events || (w.namespace !== undefined && w.namespace !== owner.metadata.namespace)) continue;
      out.push(...w.informer.store.byIndex(OWNER_INDEX, uid));
    }
    return out;
  }

  /** The cached Events of `namespace` about the objects `uids` or `names` (kind/name) pick, newest first, at most `limit`. */
  events(namespace: string, about: { uids?: Set<string>; names?: Set<string> }, limit = 50): SlimEvent[] {
    const w = this.watched.get(watchKey('', 'Event', namespace));
    if (!w) return [];
    const picked = (w.informer.store.list() as SlimEvent[]).filter((e) =>
      (e.involvedObject.uid && about.uids?.has(e.involvedObject.uid)) || about.names?.has(`${e.involvedObject.kind}/${e.involvedObject.name}`));
    return picked.sort((a, b) => eventTime(b).localeCompare(eventTime(a))).slice(0, limit);
  }

  /** The discovery mapping of a kind, if served. */
  mapping(apiVersion: string, kind: string): Promise<ResourceMapping | undefined> {
    return this.discovery.lookup(apiVersion, kind);
  }

  /** Stops every watch. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.syncs.stop();
    await this.planning;
    await Promise.all([...this.watched.values()].map((w) => w.informer.stop()));
    this.watched.clear();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  private syncsChanged(): void {
    this.emit();
    if (this.replan) return;
    this.replan = true;
    this.planning = this.planning.then(async () => {
      this.replan = false;
      if (this.stopped) return;
      try {
        await this.plan();
      } catch {
        // Discovery failed (the API server is away): the next change of a Sync plans again.
        this.replan = false;
      }
    });
  }

  /** Starts the watches the inventories need and stops the ones they no longer do. */
  private async plan(): Promise<void> {
    const wanted = new Map<string, { mapping: ResourceMapping; namespace: string | undefined; events: boolean }>();
    const namespaces = new Set<string>();
    const add = async (apiVersion: string, kind: string, namespace: string | undefined): Promise<void> => {
      const mapping = await this.discovery.lookup(apiVersion, kind);
      if (!mapping || !mapping.verbs.includes('watch')) return;
      const ns = mapping.namespaced ? namespace : undefined;
      if (mapping.namespaced && !ns) return;
      wanted.set(watchKey(mapping.group, mapping.kind, ns), { mapping, namespace: ns, events: false });
    };
    for (const sync of this.syncs.store.list()) {
      const home = sync.metadata.namespace!;
      namespaces.add(home);
      for (const g of sync.status?.inventory ?? []) {
        if (g.namespace) namespaces.add(g.namespace);
        await add(g.apiVersion, g.kind, g.namespace ?? home);
      }
    }
    for (const ns of namespaces) {
      for (const [apiVersion, kind] of CHILD_KINDS) await add(apiVersion, kind, ns);
      wanted.set(watchKey('', 'Event', ns), { mapping: { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, verbs: [] }, namespace: ns, events: true });
    }
    if (this.stopped) return;
    for (const [key, w] of this.watched) {
      if (wanted.has(key)) continue;
      this.watched.delete(key);
      void w.informer.stop();
    }
    for (const [key, want] of wanted) {
      if (this.watched.has(key)) continue;
      const kind: Kind = want.events ? EVENT_KIND : { apiVersion: want.mapping.group ? `${want.mapping.group}/${want.mapping.version}` : want.mapping.version, kind: want.mapping.kind, resource: want.mapping.resource, namespaced: want.mapping.namespaced };
      const informer = new Informer(listWatchOf(this.client, kind, { namespace: want.namespace }), {
        name: `${kind.resource}${want.namespace ? ` in ${want.namespace}` : ''}`,
        transform: want.events ? slimEvent : slimObject,
        retry: { maxMs: 30_000 },
      });
      if (!want.events) informer.store.addIndex(OWNER_INDEX, (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
      informer.addHandler({ onAdd: () => this.emit(), onUpdate: () => this.emit(), onDelete: () => this.emit() });
      this.watched.set(key, { informer, namespace: want.namespace, events: want.events });
      informer.start();
      void informer.waitForSync().then((ok) => { if (ok) this.emit(); });
    }
  }
}

function eventTime(e: SlimEvent): string {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';
}
