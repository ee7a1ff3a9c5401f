/**
 * The `capstan.dev/depends-on` annotation: the objects that must be applied (and healthy)
 * before the annotated one. Each entry is `apiVersion/Kind/namespace/name`, for example
 * `apps/v1/Deployment/shop/db` or `v1/Service/shop/db`; cluster-scoped objects leave the
 * namespace empty (`v1/Namespace//shop`). Entries are comma separated.
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
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** Writes the annotation value: entries deduplicated and sorted, so the output is stable. */
export function formatDependsOn(refs: readonly ObjectReference[]): string {
  return [...new Set(refs.map(formatDependency))].sort().join(',');
}

/** Reads an annotation value back; throws naming the entry when one is malformed. */
export function parseDependsOn(value: string): ObjectReference[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
    const parts = entry.split('/');
    // Core-group entries have 4 parts (v1/Kind/ns/name), grouped ones 5 (apps/v1/Kind/ns/name).
    if (parts.length !== 4 && parts.length !== 5) {
      throw new Error(`${DEPENDS_ON_ANNOTATION}: entry "${entry}" must be apiVersion/Kind/namespace/name (namespace empty for cluster-scoped objects)`);
    }
    const [name = '', namespace = '', kind = '', ...version] = parts.reverse();
    const apiVersion = version.reverse().join('/');
    if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) || !name || !kind) {
      throw new Error(`${DEPENDS_ON_ANNOTATION}: entry "${entry}" must be apiVersion/Kind/namespace/name with a valid apiVersion, kind and name (namespace empty for cluster-scoped objects)`);
    }
    return { apiVersion, kind, namespace: namespace || undefined, name };
  });
}
