import type { ChangeSet } from './changeset.js';
import type { Engine } from './engine.js';
import { mapRefs } from './fetch.js';
import { describeRef, keyOf } from './objects.js';
import { waitFor, type WaitOptions } from './wait.js';

/** Thrown by {@link waitHealthy} when objects did not become healthy; carries their health. */
export class WaitError extends Error {
  readonly changeSet: ChangeSet;
  constructor(message: string, changeSet: ChangeSet) {
    super(message);
    this.name = 'WaitError';
    this.changeSet = changeSet;
  }
}

/**
 * Waits until every object of the change set that should exist (not deleted, skipped, failed or
 * pending) is Current. Returns the change set with each entry's health; throws {@link WaitError}
 * on timeout or when an object fails.
 */
export async function waitHealthy(engine: Engine, changeSet: ChangeSet, options: WaitOptions): Promise<ChangeSet> {
  const wanted = changeSet.entries.filter((e) => e.action === 'created' || e.action === 'configured' || e.action === 'unchanged');
  const { mapped, unknown } = await mapRefs(engine.discovery, wanted.map((e) => e.ref));
  const result = await waitFor(engine.client, mapped, 'current', options);
  const entries = changeSet.entries.map((e) => {
    const health = result.health.get(keyOf(e.ref));
    return health ? { ...e, health } : e;
  });
  const out = { entries };
  if (unknown.length) throw new WaitError(`cannot check health of ${unknown.map(describeRef).join(', ')}: kind not served`, out);
  if (!result.ok) throw new WaitError(result.reason ?? 'objects are not healthy', out);
  return out;
}
