import { describe, expect, it } from 'vitest';
import { decodeInventory, deletionOrder, encodeInventory, foreignObjects, keyOf, pruneCandidates, pruneRefusal, type ObjectRef } from '../../../src/apply/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';

const ref = (apiVersion: string, kind: string, name: string, namespace?: string): ObjectRef => ({ apiVersion, kind, name, namespace });

describe('pruneCandidates', () => {
  it('is the previous set minus the new one, whatever the version, in safe deletion order', () => {
    const previous = [
      ref('v1', 'Namespace', 'shop'),
      ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
      ref('example.com/v1', 'Widget', 'w', 'shop'),
      ref('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r'),
      ref('apps/v1', 'Deployment', 'web', 'shop'),
      ref('v1', 'ConfigMap', 'keep', 'shop'),
    ];
    const next = [ref('v1', 'ConfigMap', 'keep', 'shop'), ref('apps/v1beta2', 'Deployment', 'web', 'shop')];
    expect(pruneCandidates(previous, next).map((r) => r.name)).toEqual(['w', 'r', 'widgets.example.com', 'shop']);
  });

  it('deletes custom resources before their CRD and namespaced objects before their namespace', () => {
    const order = deletionOrder([ref('v1', 'Namespace', 'n'), ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'c'), ref('example.com/v1', 'Cluster', 'x'), ref('v1', 'Secret', 's', 'n')]);
    expect(order.map((r) => r.kind)).toEqual(['Secret', 'Cluster', 'CustomResourceDefinition', 'Namespace']);
  });
});

describe('pruneRefusal', () => {
  const obj = (annotations: Record<string, string>, manager = 'capstan'): KubeObject => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n', annotations, managedFields: [{ manager, operation: 'Apply', fieldsV1: {} }] },
  });

  it('allows only objects marked with this inventory and still applied by our manager', () => {
    expect(pruneRefusal(obj({ 'capstan.dev/inventory': 'app' }), 'app', 'capstan')).toBeUndefined();
    expect(pruneRefusal(obj({ 'capstan.dev/inventory': 'other' }), 'app', 'capstan')).toMatch(/belongs to inventory "other"/);
    expect(pruneRefusal(obj({}), 'app', 'capstan')).toMatch(/not marked/);
    expect(pruneRefusal(obj({ 'capstan.dev/inventory': 'app' }, 'kubectl'), 'app', 'capstan')).toMatch(/no longer applies it/);
    expect(pruneRefusal(obj({ 'capstan.dev/inventory': 'app', 'capstan.dev/prune': 'disabled' }), 'app', 'capstan')).toMatch(/pruning disabled/);
  });
});

describe('foreignObjects', () => {
  it('ignores our objects, owned children and what Kubernetes creates in every namespace', () => {
    const mk = (kind: string, name: string, extra: Partial<KubeObject['metadata']> = {}) => ({ obj: { metadata: { name, namespace: 'n', ...extra } } as KubeObject, kind, group: '', apiVersion: 'v1' });
    const ours = new Set([keyOf(ref('v1', 'ConfigMap', 'mine', 'n'))]);
    const found = foreignObjects([
      mk('ConfigMap', 'mine'),
      mk('ConfigMap', 'kube-root-ca.crt'),
      mk('ServiceAccount', 'default'),
      mk('Pod', 'web-123', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u' }] }),
      mk('Endpoints', 'web'),
      mk('Secret', 'theirs'),
    ], ours);
    expect(found.map((r) => `${r.kind}/${r.name}`)).toEqual(['Secret/theirs']);
  });
});

describe('inventory encoding', () => {
  it('round-trips, sorted and without duplicates', () => {
    const refs = [ref('v1', 'ConfigMap', 'b', 'n'), ref('v1', 'Namespace', 'n'), ref('v1', 'ConfigMap', 'b', 'n')];
    const text = encodeInventory(refs);
    expect(decodeInventory(text)).toEqual([ref('v1', 'ConfigMap', 'b', 'n'), { apiVersion: 'v1', kind: 'Namespace', name: 'n', namespace: undefined }]);
    expect(() => decodeInventory('{"a":1}')).toThrow(/expected a JSON list/);
  });
});
