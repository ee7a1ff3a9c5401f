import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { KubeObject } from '../k8s/index.js';
import { normalizeForDiff } from './normalize.js';
import { describeRef, type ObjectRef } from './objects.js';

/**
 * A unified diff between the live object and the object as it would be after applying
 * (a server dry-run), both without server-populated fields. `undefined` stands for "absent".
 */
export function unifiedDiff(ref: ObjectRef, live: KubeObject | undefined, merged: KubeObject | undefined): string {
  const name = describeRef(ref);
  const before = live ? toYaml(normalizeForDiff(live)) : '';
  const after = merged ? toYaml(normalizeForDiff(merged)) : '';
  return createTwoFilesPatch(`live/${name}`, `merged/${name}`, before, after, undefined, undefined, { context: 3 });
}

function toYaml(obj: KubeObject): string {
  return stringify(obj, { sortMapEntries: false, lineWidth: 0 });
}
