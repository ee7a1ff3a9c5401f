import { objectRef, type KubeObject } from '../k8s/index.js';
import { serverMessage } from './conflicts.js';
import type { Engine } from './engine.js';
import { applyEntry, projectFields } from './fieldset.js';
import { foreignCustomResources, foreignInNamespace, listSome } from './foreign.js';
import { describeRef, isCRD, isNamespace } from './objects.js';
import type { PlannedItem } from './plan.js';
import { mapLimit } from './pool.js';

/**
 * Undoes the bootstrap stage of a run whose later validation failed. An object this run created is
 * deleted, guarded by the uid it was created with, and only when nothing foreign has come to live
 * in it since (a concurrent run's objects in a new Namespace, custom resources of a new CRD; `own`
 * names what the inventory itself keeps there). An
 * object this run changed gets our previous fields back. Returns a sentence saying what was done.
 */
export async function rollbackBootstrap(engine: Engine, written: { item: PlannedItem; after: KubeObject }[], own: Set<string> = new Set()): Promise<string> {
  if (written.length === 0) return 'nothing else was applied';
  const results = await mapLimit(written, engine.concurrency, async ({ item, after }) => {
    const ref = objectRef(item.mapping!, item.ref.name, item.ref.namespace);
    if (!item.live) {
      const foreign = isNamespace(item.ref)
        ? await foreignInNamespace(engine, item.ref.name, own)
        : isCRD(item.ref) ? await foreignCustomResources(engine, after, new Set()) : [];
      if (foreign.length) return `kept ${describeRef(item.ref)}, which now holds objects of others (${listSome(foreign, describeRef)})`;
      await engine.client.delete(ref, { propagationPolicy: 'Background', preconditions: { uid: after.metadata.uid } });
      return `deleted ${describeRef(item.ref)} again`;
    }
    await restore(engine, item, item.live);
    return `restored ${describeRef(item.ref)}`;
  });
  const done = results.filter((r): r is PromiseFulfilledResult<string> => r.status === 'fulfilled').map((r) => r.value);
  const failed = results.flatMap((r, n) => (r.status === 'rejected' ? [`${describeRef(written[n]!.item.ref)} (${serverMessage(r.reason)})`] : []));
  const parts = [`the namespaces and CRDs this run wrote were rolled back: ${done.join(', ') || 'none'}`];
  if (failed.length) parts.push(`rolling back ${failed.join(', ')} failed: check them by hand`);
  return `${parts.join('; ')}; nothing else was applied`;
}

/**
 * Gives an object our previous fields back: the fields our field manager applied before this run,
 * with their values then, applied again (fields added by this run are released). An object we did
 * not apply before gets its previous spec, labels and annotations back by a guarded update.
 */
async function restore(engine: Engine, item: PlannedItem, before: KubeObject): Promise<void> {
  const ref = objectRef(item.mapping!, item.ref.name, item.ref.namespace);
  const entry = applyEntry(before, engine.fieldManager);
  const owned = entry?.fieldsV1 ? (projectFields(before, entry.fieldsV1) as Record<string, unknown> | undefined) : undefined;
  if (owned) {
    const meta = (owned['metadata'] ?? {}) as Record<string, unknown>;
    const body = { ...owned, apiVersion: before.apiVersion, kind: before.kind, metadata: { ...meta, name: before.metadata.name, namespace: before.metadata.namespace } } as KubeObject;
    await engine.client.apply(ref, body, { fieldManager: engine.fieldManager, force: true });
    return;
  }
  const current = await engine.client.get(ref);
  if (!current) return;
  await engine.client.replace(ref, { ...current, spec: before['spec'], metadata: { ...current.metadata, labels: before.metadata.labels, annotations: before.metadata.annotations } });
}
