import { readyCondition, type SyncCondition, type SyncObject } from '../agent/steer.js';
import type { ConditionView, HealthState, ObjectId, SyncSummary } from './api-types.js';
import type { ClusterCache } from './cluster.js';
import { healthOf } from './tree.js';

/** The objects a Sync's status inventory records. */
export function inventoryOf(sync: SyncObject): ObjectId[] {
  return (sync.status?.inventory ?? []).flatMap((g) => g.names.map((name) => ({ apiVersion: g.apiVersion, kind: g.kind, namespace: g.namespace || undefined, name })));
}

/** One row of the Syncs page, with the health of every inventory object counted from the cache. */
export function syncSummary(sync: SyncObject, cache: Pick<ClusterCache, 'find'>): SyncSummary {
  const counts: Partial<Record<HealthState, number>> = {};
  const inventory = inventoryOf(sync);
  for (const ref of inventory) {
    const h = healthOf(cache.find(ref)).status;
    counts[h] = (counts[h] ?? 0) + 1;
  }
  const ref = sync.spec.ref;
  const revision = sync.status?.lastAppliedRevision ?? null;
  const condition = (type: string): ConditionView | null => conditionView(sync.status?.conditions?.find((c) => c.type === type));
  return {
    namespace: sync.metadata.namespace ?? '',
    name: sync.metadata.name ?? '',
    url: sync.spec.url,
    ref: ref?.tag ? `tag ${ref.tag}` : ref?.commit ? `commit ${ref.commit}` : `branch ${ref?.branch ?? 'main'}`,
    suspended: !!sync.spec.suspend,
    pinned: sync.spec.revision ?? null,
    revision,
    subject: sync.status?.history?.find((h) => h.revision === revision)?.subject ?? null,
    attempted: sync.status?.lastAttemptedRevision ?? null,
    lastAppliedTime: sync.status?.lastAppliedTime ?? null,
    ready: conditionView(readyCondition(sync)),
    stalled: condition('Stalled'),
    reconciling: condition('Reconciling'),
    counts,
    objects: inventory.length,
  };
}

/** A condition as the views show it; null when absent. */
export function conditionView(c: SyncCondition | undefined): ConditionView | null {
  return c ? { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime } : null;
}

/** Every Sync's row, sorted by namespace and name. */
export function syncsView(cache: ClusterCache): SyncSummary[] {
  return cache.syncs.store.list()
    .map((s) => syncSummary(s, cache))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}
