import type { IConstruct } from 'constructs';

const registries = new WeakMap<IConstruct, Map<string, IConstruct>>();

/**
 * One construct per key in a whole app (the root construct), created on first request. This
 * is how one operator per namespace and one CRD per kind are kept however many resources
 * ask for them, across charts.
 */
export function singleton<T extends IConstruct>(scope: IConstruct, key: string, create: () => T): T {
  const root = scope.node.root;
  let registry = registries.get(root);
  if (!registry) {
    registry = new Map();
    registries.set(root, registry);
  }
  const existing = registry.get(key);
  if (existing) return existing as T;
  const created = create();
  registry.set(key, created);
  return created;
}
