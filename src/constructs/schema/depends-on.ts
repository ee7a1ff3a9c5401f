/**
 * The `capstan.dev/depends-on` annotation: the objects that must be applied (and healthy) before
 * the annotated one, in the form the apply engine reads (`src/apply/staging.ts`):
 * `namespace/Kind.group/name` for namespaced objects, `Kind.group/name` for cluster-scoped ones, the
 * `.group` left out for the core group — `shop/StatefulSet.apps/db`, `shop/Service/db`,
 * `Namespace/shop`. Entries are comma separated.
 */

/** The annotation key. */
export const DEPENDS_ON_ANNOTATION = 'capstan.dev/depends-on';

/** An object another one depends on. */
export interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** Writes one reference as an annotation entry. */
export function formatDependency(ref: ObjectReference): string {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : `.${ref.apiVersion.slice(0, slash)}`;
  return `${ref.namespace ? `${ref.namespace}/` : ''}${ref.kind}${group}/${ref.name}`;
}

/** Writes the annotation value: entries deduplicated and sorted, so the output is stable. */
export function formatDependsOn(refs: readonly ObjectReference[]): string {
  return [...new Set(refs.map(formatDependency))].sort().join(',');
}
