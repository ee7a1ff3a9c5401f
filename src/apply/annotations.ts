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
  /**
   * Written by Capstan: the one inventory that owns the object, named exactly by the object
   * that holds the inventory (`ConfigMap/<namespace>/<name>`, `Sync/<namespace>/<name>`).
   * Apply refuses an object another inventory owns; prune deletes only objects it names.
   */
  inventory: 'capstan.dev/inventory',
  /** `true`: applying this object may take it over from the inventory that owns it now. */
  adopt: 'capstan.dev/adopt',
  /**
   * A condition type (`Ready`, `Available`): the object is healthy only once that condition is
   * True for its current generation. Capstan's custom-resource constructs write it.
   */
  readyCondition: 'capstan.dev/ready-condition',
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

/** Whether the desired object asks to be taken over from another inventory. */
export function adoptRequested(obj: KubeObject): boolean {
  return annotation(obj, Annotations.adopt)?.trim().toLowerCase() === 'true';
}
