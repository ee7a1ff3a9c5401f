import type { ChangeSet, ChangeSetEntry } from './changeset.js';
import { unifiedDiff } from './difftext.js';
import type { Engine } from './engine.js';
import type { InventoryStore } from './inventory.js';
import { prune } from './manager-prune.js';
import { keyOf, type Manifest } from './objects.js';
import { checkClaims, entryOf, evaluateItems, isDeferred, planSet } from './plan.js';
import { isBootstrap } from './staging.js';

/** Options of {@link diff}. */
export interface DiffOptions {
  /** The inventory the set is applied for: its ownership applies, and what its prune would delete is listed. */
  inventory?: InventoryStore | undefined;
  /**
   * Diff as an apply that takes fields other appliers own.
   * @default false
   */
  force?: boolean | undefined;
  /**
   * Diff as an apply that takes objects over from other inventories.
   * @default false
   */
  adopt?: boolean | undefined;
}

/**
 * What a sync would change, object by object, with a unified diff of each change (Secret values
 * masked), and what its prune would delete. Writes nothing. An object that cannot be applied (a
 * field another applier owns, another inventory's object, a server refusal) is reported as
 * `failed` with the reason, and every other object's diff is still shown.
 */
export async function diff(engine: Engine, manifests: Manifest[], options: DiffOptions = {}): Promise<ChangeSet> {
  const inventory = options.inventory;
  const plan = await planSet(engine, manifests, { owner: inventory?.id, allowEmpty: true });
  const previous = (await inventory?.load()) ?? [];
  const failed = new Map<string, string>();
  for (const f of checkClaims(plan.items, { owner: inventory?.id, legacyName: inventory?.name, recorded: previous, adopt: options.adopt })) failed.set(keyOf(f.ref!), f.message);
  const force = !!options.force;
  const judge = async (items: typeof plan.items): Promise<void> => {
    for (const f of await evaluateItems(engine, items.filter((i) => !failed.has(i.key)), force)) failed.set(keyOf(f.ref!), f.message);
  };
  await judge(plan.items.filter((i) => isBootstrap(i.ref)));
  await judge(plan.items.filter((i) => !isBootstrap(i.ref) && !isDeferred(i, plan)));

  const entries: ChangeSetEntry[] = [];
  for (const stage of plan.stages) {
    for (const key of stage.keys) {
      const item = plan.byKey.get(key)!;
      const reason = failed.get(key);
      if (reason) {
        entries.push({ ref: item.ref, action: 'failed', message: reason });
        continue;
      }
      const entry = entryOf(item);
      const after = item.evaluation?.merged ?? item.desired;
      if (entry.action === 'created') entry.diff = unifiedDiff(item.ref, undefined, after);
      else if (entry.action === 'configured') entry.diff = unifiedDiff(item.ref, item.live, after);
      entries.push(entry);
    }
  }
  if (inventory) {
    const pruned = await prune(engine, previous, plan.items.map((i) => i.ref), { owner: inventory.id, legacyName: inventory.name, dryRun: true, allowEmpty: true });
    for (const entry of pruned.changeSet.entries) {
      if (entry.action === 'deleted') entry.diff = unifiedDiff(entry.ref, pruned.live.get(keyOf(entry.ref)), undefined);
      entries.push(entry);
    }
  }
  return { entries };
}
