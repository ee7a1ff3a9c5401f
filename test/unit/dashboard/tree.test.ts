import { describe, expect, it } from 'vitest';
import type { ObjectId } from '../../../src/dashboard/api-types.js';
import { buildTree, nodeId, type TreeSource } from '../../../src/dashboard/tree.js';
import type { KubeObject } from '../../../src/k8s/index.js';

const o = (apiVersion: string, kind: string, name: string, uid: string, owner?: string, rest: Record<string, unknown> = {}): KubeObject => ({
  apiVersion, kind, metadata: { name, namespace: 'ns', uid, ...(owner ? { ownerReferences: [{ apiVersion: 'x', kind: 'x', name: 'x', uid: owner }] } : {}) }, ...rest,
});
const objects = [
  o('apps/v1', 'Deployment', 'web', 'd1', undefined, { spec: { replicas: 1 }, status: { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 } }),
  o('apps/v1', 'ReplicaSet', 'web-abc', 'r1', 'd1'),
  o('v1', 'Pod', 'web-abc-2', 'p2', 'r1', { status: { phase: 'Running', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } } }] } }),
  o('v1', 'Pod', 'web-abc-1', 'p1', 'r1', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }),
  o('etcd.capstan.dev/v1alpha1', 'EtcdCluster', 'store', 'e1'),
  o('v1', 'Pod', 'store-0', 'ep', 'e1', { status: { phase: 'Pending' } }),
];
const source = (synced = true): TreeSource => ({
  find: (id: ObjectId) => ({ obj: objects.find((x) => x.kind === id.kind && x.metadata.name === id.name), synced }),
  childrenOf: (owner) => objects.filter((x) => x.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)),
});
const inventory: ObjectId[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web' },
  { apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', namespace: 'ns', name: 'store' },
  { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'gone' },
];

describe('buildTree', () => {
  it('puts what each inventory object owns under it, depth first, with kstatus health', () => {
    const { nodes, truncated } = buildTree(inventory, source());
    expect(truncated).toBe(0);
    expect(nodes.map((n) => [n.kind, n.name, n.parent ? nodes.find((p) => p.id === n.parent)!.name : null, n.inventory, n.health.status])).toEqual([
      ['Deployment', 'web', null, true, 'Current'],
      ['ReplicaSet', 'web-abc', 'web', false, 'InProgress'],
      ['Pod', 'web-abc-1', 'web-abc', false, 'Current'],
      ['Pod', 'web-abc-2', 'web-abc', false, 'Failed'],
      ['EtcdCluster', 'store', null, true, 'Current'],
      ['Pod', 'store-0', 'store', false, 'InProgress'],
      ['ConfigMap', 'gone', null, true, 'NotFound'],
    ]);
    expect(nodes.find((n) => n.name === 'web-abc-2')!.health.message).toBe('Container c: CrashLoopBackOff: back-off 10s');
    expect(nodes[0]!.id).toBe(nodeId(inventory[0]!));
  });

  it('says Unknown, not NotFound, while a kind is still being listed', () => {
    const { nodes } = buildTree([inventory[2]!], source(false));
    expect(nodes[0]!.health.status).toBe('Unknown');
  });

  it('stops at the limit and counts the rest', () => {
    const { nodes, truncated } = buildTree(inventory, source(), 3);
    expect(nodes).toHaveLength(3);
    expect(truncated).toBe(4);
  });
});
