import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { KubeObject } from '../k8s/index.js';
import { normalizeForDiff } from './normalize.js';
import { describeRef, type ObjectRef } from './objects.js';
import { isSecret, maskSecretPair } from './secrets.js';

/**
 * A unified diff between the live object and the object as it would be after applying
 * (a server dry-run), both without server-populated fields. `undefined` stands for "absent".
 * Secret values are masked: the diff names the keys that change, never their values.
 */
export function unifiedDiff(ref: ObjectRef, live: KubeObject | undefined, merged: KubeObject | undefined): string {
  const name = describeRef(ref);
  const [left, right] = isSecret(ref) ? maskSecretPair(live, merged) : [live, merged];
  const before = left ? toYaml(normalizeForDiff(left)) : '';
  const after = right ? toYaml(normalizeForDiff(right)) : '';
  return createTwoFilesPatch(`live/${name}`, `merged/${name}`, before, after, undefined, undefined, { context: 3 });
}

function toYaml(obj: KubeObject): string {
  return stringify(obj, { sortMapEntries: false, lineWidth: 0 });
}
