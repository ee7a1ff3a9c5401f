import { formatSummary, ResourceManager, type ObjectFailure } from '../apply/index.js';
import { SyncType, type ObjectOf } from '../constructs/schema/index.js';
import type { ReconcileContext, Result } from '../controller/index.js';
import type { Discovery, KubeClient, KubeObject } from '../k8s/index.js';
import { failedConditions, SyncReason } from './conditions.js';
import { SyncStatusInventory, ungroupInventory } from './inventory-status.js';

/** The finalizer a Sync with `prune` carries, so that deleting it deletes what it applied first. */
export const SYNC_FINALIZER = 'capstan.dev/prune-on-delete';
/** A failed prune of a deleted Sync is tried again after this long. */
const RETRY_MS = 10_000;

/** What finalizing one Sync needs. */
export interface FinalizeDeps {
  /** The client that reads and deletes as the Sync: impersonating its ServiceAccount when it names one. */
  clientFor(serviceAccountName: string | undefined): KubeClient;
  discovery: Discovery;
  fieldManager: string;
}

/**
 * Finalizes a deleted Sync: with `prune` (and not suspended), deletes the objects its inventory
 * records, through the apply engine's prune, which deletes only objects whose live mark still
 * names this Sync and of which the agent still manages fields, and keeps a Namespace or CRD that
 * holds what the Sync did not apply. Then the finalizer is removed and the Sync goes. A failed
 * delete keeps the finalizer and is retried, unless the Sync's namespace is itself being deleted:
 * then what is left is named in an Event, and the Sync is released rather than holding up its
 * namespace for ever.
 */
export async function finalizeSync(object: KubeObject, ctx: ReconcileContext, deps: FinalizeDeps): Promise<Result | void> {
  if (!object.metadata.finalizers?.includes(SYNC_FINALIZER)) return;
  const namespace = object.metadata.namespace!;
  const name = object.metadata.name!;
  let sync: ObjectOf<typeof SyncType> | undefined;
  try {
    sync = SyncType.view(object);
  } catch {
    sync = undefined; // a Sync that does not fit its schema is released without pruning: what it holds cannot be trusted
  }
  const recorded = ungroupInventory(sync?.status?.inventory ?? []);
  if (sync && sync.spec.prune && !sync.spec.suspend && recorded.length > 0) {
    const inventory = new SyncStatusInventory(ctx.client, namespace, name);
    const engine = new ResourceManager(deps.clientFor(sync.spec.serviceAccountName), { fieldManager: deps.fieldManager, discovery: deps.discovery, defaultNamespace: namespace });
    let failures: ObjectFailure[];
    let summary = '';
    try {
      const result = await engine.prune(recorded, [], { owner: inventory.id, legacyName: inventory.name, allowEmpty: true });
      failures = result.failures;
      summary = formatSummary(result.changeSet);
    } catch (err) {
      failures = [{ object: `Sync ${namespace}/${name}`, message: err instanceof Error ? err.message : String(err) }];
    }
    if (failures.length > 0) {
      const message = `deleting what Sync ${namespace}/${name} applied: ${failures.length} object(s) could not be deleted:\n${failures.map((f) => `  - ${f.object}: ${f.message}`).join('\n')}`;
      if (!(await namespaceDeleting(ctx.client, namespace))) {
        await ctx.updateStatus(failedConditions({ reason: SyncReason.PruneFailed, message, stalled: false }));
        await ctx.record({ type: 'Warning', reason: SyncReason.PruneFailed, action: 'Delete', note: message });
        return { requeueAfter: RETRY_MS };
      }
      await ctx.record({ type: 'Warning', reason: SyncReason.PruneFailed, action: 'Delete', note: `${message}\nnamespace ${namespace} is being deleted, so the Sync is released and these stay` });
    } else await ctx.record({ reason: 'Pruned', action: 'Delete', note: `deleted what Sync ${namespace}/${name} applied before releasing it: ${summary}` });
  }
  await ctx.removeFinalizer(SYNC_FINALIZER);
}

async function namespaceDeleting(client: KubeClient, namespace: string): Promise<boolean> {
  try {
    const ns = await client.get({ group: '', version: 'v1', resource: 'namespaces', name: namespace });
    return !ns || !!ns.metadata.deletionTimestamp;
  } catch {
    return false; // cannot tell: keep the finalizer and try again
  }
}
