import { adoptRequested } from './annotations.js';
import type { ChangeSetEntry } from './changeset.js';
import type { Engine } from './engine.js';
import { ApplyError, failureReason, type ObjectFailure } from './errors.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { fetchLive } from './fetch.js';
import { buildItems, type Item } from './items.js';
import { describeManifest, groupOf, isCRD, keyOf, type Manifest, type ObjectRef } from './objects.js';
import { decideClaim } from './ownership.js';
import { mapLimit } from './pool.js';
import { planStages, StagingError, type Stage } from './staging.js';

/** An item once evaluated: what applying it would do, and whether it takes the object over. */
export interface PlannedItem extends Item {
  evaluation?: Evaluation | undefined;
  /** Set when applying takes the object over from another inventory. */
  takeover?: string | undefined;
}

/** The set as planned: its items with their live objects, in stages. */
export interface Plan {
  items: PlannedItem[];
  stages: Stage[];
  byKey: Map<string, PlannedItem>;
}

/** Who the set is applied for. */
export interface Ownership {
  /** The inventory's owner id, written as each object's mark. */
  owner?: string | undefined;
  /** The inventory's bare name (marks of older versions). */
  legacyName?: string | undefined;
  /** What the inventory recorded last. */
  recorded?: ObjectRef[] | undefined;
  /** Take objects over from other inventories. */
  adopt?: boolean | undefined;
}

/**
 * Reads the set into items (kinds mapped, namespaces defaulted, marks added), orders them into
 * stages and fetches their live objects. Throws {@link ApplyError} (nothing written) for every
 * object that cannot be applied, and for an empty set unless `allowEmpty`.
 */
export async function planSet(engine: Engine, manifests: Manifest[], options: { owner?: string | undefined; allowEmpty?: boolean | undefined }): Promise<Plan> {
  if (manifests.length === 0 && !options.allowEmpty) {
    throw new ApplyError('refusing to apply an empty set of objects: with an inventory this would prune everything it holds; allow an empty set if that is what you want', [], false);
  }
  const { items, failures } = await buildItems(manifests, { discovery: engine.discovery, defaultNamespace: engine.defaultNamespace, inventory: options.owner });
  if (failures.length) throw new ApplyError(`${failures.length} object(s) cannot be applied; nothing was applied`, failures, false);
  let stages: Stage[];
  try {
    stages = planStages(items.map((i) => ({ ref: i.ref, object: i.desired, namespaced: i.namespaced })));
  } catch (err) {
    if (err instanceof StagingError) throw new ApplyError(`cannot order the objects: ${err.message}; nothing was applied`, [], false, { cause: err });
    throw err;
  }
  const live = await fetchLive(engine.client, items.filter((i) => i.mapping).map((i) => ({ ref: i.ref, mapping: i.mapping! })), engine.concurrency);
  for (const i of items) i.live = live.get(i.key);
  return { items, stages, byKey: new Map(items.map((i) => [i.key, i])) };
}

/** The items whose ownership forbids applying them, each with the reason; marks takeovers on the others. */
export function checkClaims(items: PlannedItem[], ownership: Ownership): ObjectFailure[] {
  const recorded = new Set((ownership.recorded ?? []).map(keyOf));
  const failures: ObjectFailure[] = [];
  for (const item of items) {
    const decision = decideClaim(item.live, {
      owner: ownership.owner,
      legacyName: ownership.legacyName,
      recorded: recorded.has(item.key),
      adopt: !!ownership.adopt || adoptRequested(item.desired),
    });
    if (!decision.allowed) failures.push({ object: describeManifest(item.manifest, item.ref), message: decision.reason, ref: item.ref, reason: 'OwnedElsewhere' });
    else item.takeover = decision.takeover;
  }
  return failures;
}

/**
 * Whether the item cannot be validated before the Namespaces and CRDs are written: its kind is
 * not served yet, its CRD changes in this set (so the new schema must judge it), or its namespace
 * is created by this set.
 */
export function isDeferred(item: PlannedItem, plan: Plan): boolean {
  if (!item.mapping) return true;
  if (item.waitingForCrd) return true;
  const crd = plan.items.find((i) => isCRD(i.ref) && servesKind(i, item));
  if (crd && crd.evaluation && crd.evaluation.action !== 'unchanged') return true;
  if (!item.namespaced) return false;
  const ns = plan.byKey.get(keyOf({ apiVersion: 'v1', kind: 'Namespace', name: item.ref.namespace ?? '' }));
  return !!ns && (!ns.live || !!ns.live.metadata.deletionTimestamp);
}

/** Whether the CRD item serves the kind of `item`. */
function servesKind(crd: PlannedItem, item: PlannedItem): boolean {
  const spec = (crd.desired['spec'] ?? {}) as { group?: string; names?: { kind?: string } };
  return spec.group === groupOf(item.ref.apiVersion) && spec.names?.kind === item.ref.kind;
}

/**
 * Decides what applying each item would do (server-side dry-run unless provably unchanged) and
 * returns the objects the server refused, each with its reason and any YAML hint.
 */
export async function evaluateItems(engine: Engine, items: PlannedItem[], force: boolean, alwaysDryRun = engine.alwaysDryRun): Promise<ObjectFailure[]> {
  const results = await mapLimit(items, engine.concurrency, (item) => evaluate(engine.client, item, { fieldManager: engine.fieldManager, force, alwaysDryRun }));
  const failures: ObjectFailure[] = [];
  results.forEach((r, i) => {
    const item = items[i]!;
    if (r.status === 'fulfilled') item.evaluation = r.value;
    else failures.push({ object: describeManifest(item.manifest, item.ref), message: withHints((r.reason as Error).message, item), ref: item.ref, reason: failureReason(r.reason) });
  });
  return failures;
}

/** Adds the YAML 1.1 hints of the item's manifest to a failure message. */
export function withHints(message: string, item: Item): string {
  const hints = item.manifest.hints ?? [];
  return hints.length ? `${message} (hint: ${hints.join('; ')})` : message;
}

/** The change set line of a planned item, before it is written. */
export function entryOf(item: PlannedItem): ChangeSetEntry {
  const ev = item.evaluation;
  if (!ev) {
    const why = item.waitingForCrd ? `CustomResourceDefinition ${item.waitingForCrd}` : `namespace ${item.ref.namespace}`;
    return { ref: item.ref, action: item.live ? 'configured' : 'created', message: `not validated yet: needs ${why}, which this set creates or changes` };
  }
  const message = [ev.message, item.takeover].filter(Boolean).join('; ');
  return { ref: item.ref, action: ev.action, message: message || undefined };
}
