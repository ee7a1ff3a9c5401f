import { computeHealth } from '../apply/index.js';
import { parseApiVersion, type KubeObject } from '../k8s/index.js';
import type { HealthView, ObjectId, TreeNode } from './api-types.js';
import type { Lookup } from './cluster.js';

/** Where a tree's objects come from: the live cache, or a fixture in unit tests. */
export interface TreeSource {
  find(id: ObjectId): Lookup;
  childrenOf(owner: KubeObject): KubeObject[];
}

/** The most nodes one tree holds; the rest is counted, not sent. */
export const TREE_LIMIT = 3000;
const MAX_DEPTH = 8;

/** The id of an object's node: group, kind, namespace and name. */
export function nodeId(id: ObjectId): string {
  return `${parseApiVersion(id.apiVersion).group}/${id.kind}/${id.namespace ?? ''}/${id.name}`;
}

/** Health of a looked-up object: kstatus when cached, Unknown while its kind is still being listed. */
export function healthOf(found: Lookup): HealthView {
  if (!found.obj && !found.synced) return { status: 'Unknown', message: 'not listed yet' };
  return computeHealth(found.obj);
}

/**
 * The resource tree of an inventory: each inventory object, then what it owns by ownerReferences
 * (a Deployment's ReplicaSets and their Pods, a custom resource's children), depth first, children
 * sorted by kind and name. An object reached twice (two owners) appears once, under the first.
 */
export function buildTree(inventory: readonly ObjectId[], source: TreeSource, limit = TREE_LIMIT): { nodes: TreeNode[]; truncated: number } {
  const nodes: TreeNode[] = [];
  const seen = new Set<string>();
  let truncated = 0;
  const visit = (obj: KubeObject, parent: string, depth: number): void => {
    const uid = obj.metadata.uid;
    if (uid) {
      if (seen.has(uid)) return;
      seen.add(uid);
    }
    const id = { apiVersion: obj.apiVersion ?? 'v1', kind: obj.kind ?? '', namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
    const node: TreeNode = { ...id, id: nodeId(id), parent, inventory: false, health: computeHealth(obj) };
    // Past the limit the walk goes on, to count what is left out.
    if (nodes.length < limit) nodes.push(node);
    else truncated++;
    if (depth < MAX_DEPTH) for (const child of sorted(source.childrenOf(obj))) visit(child, node.id, depth + 1);
  };
  for (const ref of inventory) {
    const found = source.find(ref);
    const id = nodeId(ref);
    if (nodes.length < limit) nodes.push({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name, id, inventory: true, health: healthOf(found) });
    else truncated++;
    if (found.obj?.metadata.uid) seen.add(found.obj.metadata.uid);
    if (found.obj) for (const child of sorted(source.childrenOf(found.obj))) visit(child, id, 1);
  }
  return { nodes, truncated };
}

function sorted(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}
