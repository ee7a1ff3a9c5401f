import type { SyncDetail } from './api-types.js';
import type { ClusterCache } from './cluster.js';
import { eventView } from './events.js';
import { buildTree } from './tree.js';
import { conditionView, inventoryOf, syncSummary } from './view-syncs.js';

/** The One Sync page: summary, resource tree, history, conditions and the Sync's Events; undefined when there is no such Sync. */
export function syncDetail(cache: ClusterCache, namespace: string, name: string): SyncDetail | undefined {
  const sync = cache.syncs.store.getByName(namespace, name);
  if (!sync) return undefined;
  const { nodes, truncated } = buildTree(inventoryOf(sync), cache);
  const uids = new Set<string>(sync.metadata.uid ? [sync.metadata.uid] : []);
  return {
    sync: syncSummary(sync, cache),
    tree: nodes,
    truncated,
    history: (sync.status?.history ?? []).map((h) => ({ ...h })),
    events: cache.events(namespace, { uids, names: new Set([`Sync/${name}`]) }).map(eventView),
    conditions: (sync.status?.conditions ?? []).map((c) => conditionView(c)!),
  };
}
