import { objectRef, type KubeClient, type KubeObject } from '../k8s/index.js';
import { Annotations, recreateOnImmutableChange } from './annotations.js';
import { describeConflicts, fieldConflicts, immutableFields, onlyImperativeConflicts, serverMessage } from './conflicts.js';
import { provablyUnchanged } from './fieldset.js';
import { FieldConflictError } from './errors.js';
import type { Item } from './items.js';
import { differs } from './normalize.js';

/** What applying one item would do, decided before anything is written. */
export interface Evaluation {
  action: 'created' | 'configured' | 'unchanged';
  /** The server's dry-run result; absent when proven unchanged without asking, or for a recreate. */
  merged?: KubeObject | undefined;
  /** Apply with force: our own fields were changed by an imperative update and are taken back. */
  force: boolean;
  /** Delete and create again: an immutable field changes and the object opted in. */
  recreate: boolean;
  message?: string | undefined;
}

/** How to evaluate. */
export interface EvaluateOptions {
  fieldManager: string;
  /** Take fields owned by other managers. */
  force: boolean;
  /** Skip the managed-fields proof and always ask the server. */
  alwaysDryRun: boolean;
}

/**
 * Decides what applying `item` would change. First tries to prove "unchanged" from the live
 * object's managed fields alone (no request); otherwise a server-side dry-run apply is
 * compared with the live object, so server defaults never count as drift. Throws an Error
 * whose message says what is wrong with the object and what to do ({@link FieldConflictError}
 * for fields another applier owns).
 */
export async function evaluate(client: KubeClient, item: Item, options: EvaluateOptions): Promise<Evaluation> {
  const live = item.live;
  if (live && !options.alwaysDryRun && provablyUnchanged(item.desired, live, options.fieldManager)) {
    return { action: 'unchanged', force: false, recreate: false };
  }
  const ref = objectRef(item.mapping!, item.ref.name, item.ref.namespace);
  const dryRun = (force: boolean) => client.apply(ref, item.desired, { fieldManager: options.fieldManager, force, dryRun: true });
  let force = options.force;
  let message: string | undefined;
  let merged: KubeObject;
  try {
    try {
      merged = await dryRun(force);
    } catch (err) {
      const conflicts = fieldConflicts(err);
      if (conflicts.length === 0) throw err;
      if (!onlyImperativeConflicts(conflicts, live)) {
        throw new FieldConflictError(`conflict: ${describeConflicts(conflicts)}. Remove the field from the manifest, or force the apply to take it`, { cause: err });
      }
      force = true;
      message = `takes back fields changed outside Capstan: ${describeConflicts(conflicts)}`;
      merged = await dryRun(true);
    }
  } catch (err) {
    const immutable = immutableFields(err);
    if (immutable && live) {
      if (recreateOnImmutableChange(item.desired)) {
        return { action: 'configured', force, recreate: true, message: `immutable field ${immutable.join(', ')} changes: deleted and created again` };
      }
      throw new Error(`immutable field ${immutable.join(', ')} would change. Annotate the object with ${Annotations.onImmutableChange}: recreate to let Capstan delete and create it again, or change the manifest back`);
    }
    if (err instanceof FieldConflictError) throw err;
    throw new Error(serverMessage(err), { cause: err });
  }
  if (!live) return { action: 'created', merged, force, recreate: false, message };
  return { action: differs(live, merged) ? 'configured' : 'unchanged', merged, force, recreate: false, message };
}
