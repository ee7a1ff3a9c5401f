import { Annotations, keyOf, type ObjectRef } from '../apply/index.js';
import { Informer, listWatchOf, type Kind, type Logger } from '../controller/index.js';
import type { Discovery, KubeClient, KubeObject } from '../k8s/index.js';

/** A managed object as the drift watch keeps it: identity, owner mark and who last wrote it. */
interface Slim extends KubeObject {
  /** Who changed the object's non-status fields last, other than the agent: a change here is drift. */
  writers: string;
}

/**
 * Who wrote the object's fields, leaving out the agent's own applies and status writers: the
 * managedFields entries (manager, operation, time) of everyone else. It changes exactly when
 * someone else wrote a field outside the status.
 */
export function foreignWriters(obj: KubeObject, fieldManager: string): string {
  const entries = (obj.metadata.managedFields ?? []) as { manager?: string; operation?: string; time?: string; subresource?: string }[];
  return entries
    .filter((m) => m.subresource !== 'status' && m.manager !== fieldManager)
    .map((m) => `${m.manager}|${m.operation}|${m.time}`)
    .sort()
    .join(',');
}

/** The Sync a mark `Sync/<namespace>/<name>` names, if it names one. */
export function syncOfMark(mark: string | undefined): { namespace: string; name: string } | undefined {
  const match = /^Sync\/([^/]+)\/([^/]+)$/.exec(mark ?? '');
  return match ? { namespace: match[1]!, name: match[2]! } : undefined;
}

/**
 * Watches every kind the Syncs applied and triggers the owning Sync (named by each object's
 * ownership mark) when someone else changes or deletes one of its objects, so drift is repaired in
 * seconds rather than at the next interval. One informer per kind serves every Sync; it caches only
 * name, mark and writers of each object, so memory stays small whatever the objects hold.
 */
export class DriftWatch {
  private readonly informers = new Map<string, Informer<Slim>>();

  constructor(
    private readonly client: KubeClient,
    private readonly discovery: Discovery,
    private readonly fieldManager: string,
    private readonly onDrift: (namespace: string, name: string) => void,
    private readonly logger: Logger,
  ) {}

  /** Starts watching the kinds of `objects` not watched yet. */
  async watch(objects: readonly ObjectRef[]): Promise<void> {
    const kinds = new Map<string, ObjectRef>();
    for (const o of objects) kinds.set(`${o.apiVersion}|${o.kind}`, o);
    for (const [id, o] of kinds) {
      if (this.informers.has(id)) continue;
      const mapping = await this.discovery.lookup(o.apiVersion, o.kind);
      if (!mapping || !mapping.verbs.includes('watch')) continue;
      const kind: Kind = { apiVersion: o.apiVersion, kind: o.kind, resource: mapping.resource, namespaced: mapping.namespaced };
      const informer = new Informer<Slim>(listWatchOf<Slim>(this.client, kind), {
        name: `drift ${mapping.resource}.${o.apiVersion}`,
        stripManagedFields: false,
        transform: (obj) => this.slim(obj),
        logger: this.logger,
      });
      informer.addHandler({
        onUpdate: (before, after) => {
          if (before.writers !== after.writers) this.drifted(after);
        },
        onDelete: (obj) => this.drifted(obj),
      });
      this.informers.set(id, informer);
      informer.start();
    }
  }

  /** Whether `ref` is watched and its informer has synced. */
  watching(ref: ObjectRef): boolean {
    return this.informers.get(`${ref.apiVersion}|${ref.kind}`)?.hasSynced ?? false;
  }

  /** Stops every informer. */
  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  private drifted(obj: KubeObject): void {
    const sync = syncOfMark(obj.metadata.annotations?.[Annotations.inventory]);
    if (!sync) return;
    this.logger.info('managed object changed; re-syncing', { object: keyOf({ apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }), sync: `${sync.namespace}/${sync.name}` });
    this.onDrift(sync.namespace, sync.name);
  }

  private slim(obj: KubeObject): Slim {
    const mark = obj.metadata.annotations?.[Annotations.inventory];
    return {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, resourceVersion: obj.metadata.resourceVersion, ...(mark ? { annotations: { [Annotations.inventory]: mark } } : {}) },
      writers: mark ? foreignWriters(obj, this.fieldManager) : '',
    };
  }
}
