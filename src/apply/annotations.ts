import type { KubeObject } from '../k8s/index.js';

/** Annotations Capstan reads on desired objects, and the one it writes. */
export const Annotations = {
  /** Integer; lower waves are applied (and become healthy) before higher ones. Default 0. */
  wave: 'capstan.dev/wave',
  /**
   * Comma-separated objects this one waits for (applied and healthy first), each
   * `Kind[.group]/name` (same namespace, or cluster-scoped) or `namespace/Kind[.group]/name`.
   */
  dependsOn: 'capstan.dev/depends-on',
  /** `disabled`: never prune this object. */
  prune: 'capstan.dev/prune',
  /** `recreate`: when an immutable field changes, delete the object and create it again. */
  onImmutableChange: 'capstan.dev/on-immutable-change',
  /** Written by Capstan: the inventory that applied the object (the ownership mark prune checks). */
  inventory: 'capstan.dev/inventory',
} as const;

/** Value of an annotation, if set. */
export function annotation(obj: KubeObject, name: string): string | undefined {
  return obj.metadata.annotations?.[name];
}

/** Whether the object opted out of pruning. */
export function pruneDisabled(obj: KubeObject): boolean {
  return annotation(obj, Annotations.prune)?.trim().toLowerCase() === 'disabled';
}

/** Whether the object asks to be deleted and created again when an immutable field changes. */
export function recreateOnImmutableChange(obj: KubeObject): boolean {
  return annotation(obj, Annotations.onImmutableChange)?.trim().toLowerCase() === 'recreate';
}
