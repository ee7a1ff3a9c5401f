import { describe, expect, it } from 'vitest';
import { decodeInventory, encodeInventory, keyOf, type ObjectRef } from '../../../src/apply/index.js';
import { decideClaim, ownsMoreThanMark, pruneRefusal } from '../../../src/apply/ownership.js';
import { deletionOrder, foreignObjects, pruneCandidates, type ListedObject } from '../../../src/apply/prune.js';
import type { KubeObject } from '../../../src/k8s/index.js';

const ref = (apiVersion: string, kind: string, name: string, namespace?: string): ObjectRef => ({ apiVersion, kind, name, namespace });
const MARK = 'capstan.dev/inventory';
const A = 'ConfigMap/team-a/app';
const B = 'ConfigMap/team-b/app';

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

const dataFields = { 'f:data': { '.': {}, 'f:v': {} }, 'f:metadata': { 'f:annotations': { '.': {}, [`f:${MARK}`]: {} } } };
const markOnly = { 'f:metadata': { 'f:annotations': { '.': {}, [`f:${MARK}`]: {} } } };
const obj = (annotations: Record<string, string>, options: { manager?: string; fields?: Record<string, unknown> } = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'a', namespace: 'n', annotations, managedFields: [{ manager: options.manager ?? 'capstan', operation: 'Apply', fieldsV1: options.fields ?? dataFields }] },
});

const takenOver = (): KubeObject => {
  const live = obj({ [MARK]: A }, { fields: markOnly });
  live.metadata.managedFields!.push({ manager: 'platform', operation: 'Apply', fieldsV1: { 'f:data': { 'f:v': {} } } });
  return live;
};

describe('pruneRefusal', () => {
  const claim = { owner: A, legacyName: 'app', recorded: true };

  it.each([
    ['marked by this inventory and still applied', obj({ [MARK]: A }), undefined],
    ['marked by the inventory of the same name in another namespace', obj({ [MARK]: B }), /now owned by ConfigMap team-b\/app/],
    ['unmarked', obj({}), /not marked/],
    ['applied by another manager only', obj({ [MARK]: A }, { manager: 'kubectl' }), /no longer applies it/],
    ['taken over: we own only the mark, another applier the rest', takenOver(), /taken over by field manager "platform"/],
    ['of nothing but a name: we own only the mark, and nobody else applies it', obj({ [MARK]: A }, { fields: markOnly }), undefined],
    ['opted out', obj({ [MARK]: A, 'capstan.dev/prune': 'disabled' }), /pruning disabled/],
    ['marked by an older version with the bare name', obj({ [MARK]: 'app' }), undefined],
  ])('%s', (_name, live, expected) => {
    const refusal = pruneRefusal(live, claim, 'capstan');
    if (expected === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toMatch(expected);
  });

  it('accepts a bare legacy mark only for objects the inventory recorded', () => {
    expect(pruneRefusal(obj({ [MARK]: 'app' }), { ...claim, recorded: false }, 'capstan')).toMatch(/now owned by "app"/);
  });
});

describe('ownsMoreThanMark', () => {
  it('sees any field besides the mark, at any depth', () => {
    expect(ownsMoreThanMark(markOnly)).toBe(false);
    expect(ownsMoreThanMark({})).toBe(false);
    expect(ownsMoreThanMark(dataFields)).toBe(true);
    expect(ownsMoreThanMark({ 'f:metadata': { 'f:labels': { 'f:x': {} }, 'f:annotations': { [`f:${MARK}`]: {} } } })).toBe(true);
    expect(ownsMoreThanMark({ 'f:metadata': { 'f:annotations': { 'f:other': {}, [`f:${MARK}`]: {} } } })).toBe(true);
  });
});

describe('decideClaim', () => {
  const live = (mark?: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', annotations: mark ? { [MARK]: mark } : {} } });

  it('lets an inventory apply unmarked objects and its own, and refuses another inventory\'s', () => {
    expect(decideClaim(undefined, { owner: A, recorded: false, adopt: false })).toEqual({ allowed: true });
    expect(decideClaim(live(), { owner: A, recorded: false, adopt: false })).toEqual({ allowed: true });
    expect(decideClaim(live(A), { owner: A, recorded: false, adopt: false })).toEqual({ allowed: true });
    const refused = decideClaim(live(B), { owner: A, recorded: true, adopt: false });
    expect(refused.allowed).toBe(false);
    expect(!refused.allowed && refused.reason).toMatch(/owned by ConfigMap team-b\/app, not by inventory ConfigMap team-a\/app/);
  });

  it('refuses an apply without inventory over an owned object, since it would drop the mark', () => {
    const refused = decideClaim(live(B), { owner: undefined, recorded: false, adopt: false });
    expect(!refused.allowed && refused.reason).toMatch(/not by an apply without inventory/);
  });

  it('takes an object over only when adoption is asked for, and says so', () => {
    expect(decideClaim(live(B), { owner: A, recorded: false, adopt: true })).toEqual({ allowed: true, takeover: 'adopted from ConfigMap team-b/app' });
  });
});

describe('foreignObjects', () => {
  const mk = (kind: string, name: string, extra: Partial<KubeObject['metadata']> = {}, group = '', body: Record<string, unknown> = {}): ListedObject => ({
    obj: { metadata: { name, namespace: 'n', uid: `uid-${kind}-${name}`, ...extra }, ...body } as KubeObject,
    kind, group, apiVersion: group ? `${group}/v1` : 'v1',
  });
  const owner = (kind: string, name: string, apiVersion = 'apps/v1') => ({ ownerReferences: [{ apiVersion, kind, name, uid: `uid-${kind}-${name}` }] });

  it('keeps only what Kubernetes makes and what goes with our objects out of the way', () => {
    const ours = new Set([keyOf(ref('v1', 'ConfigMap', 'mine', 'n')), keyOf(ref('apps/v1', 'Deployment', 'web', 'n')), keyOf(ref('v1', 'Service', 'web', 'n'))]);
    const found = foreignObjects([
      mk('ConfigMap', 'mine'),
      mk('ConfigMap', 'kube-root-ca.crt'),
      mk('ServiceAccount', 'default'),
      mk('Deployment', 'web', {}, 'apps'),
      mk('ReplicaSet', 'web-1', owner('Deployment', 'web'), 'apps'),
      mk('Pod', 'web-1-x', owner('ReplicaSet', 'web-1')),
      mk('Service', 'web', {}, '', { spec: { selector: { app: 'web' } } }),
      mk('Endpoints', 'web'),
      mk('EndpointSlice', 'web-abc', { labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }, ...owner('Service', 'web', 'v1') }, 'discovery.k8s.io'),
      mk('Event', 'web.123'),
    ], ours);
    expect(found).toEqual([]);
  });

  it('counts a hand-made Endpoints, an object owned by a foreign one, and a foreign object as foreign', () => {
    const ours = new Set([keyOf(ref('v1', 'ConfigMap', 'mine', 'n'))]);
    const found = foreignObjects([
      mk('ConfigMap', 'mine'),
      mk('Endpoints', 'external-db'),
      mk('Service', 'external-db', {}, '', { spec: { ports: [{ port: 5432 }] } }),
      mk('Secret', 'token', owner('ServiceAccount', 'robot', 'v1')),
      mk('ServiceAccount', 'robot'),
    ], ours);
    expect(found.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(['Endpoints/external-db', 'Secret/token', 'Service/external-db', 'ServiceAccount/robot']);
  });
});

describe('inventory encoding', () => {
  it('round-trips, grouped, sorted and without duplicates', () => {
    const refs = [ref('v1', 'ConfigMap', 'b', 'n'), ref('v1', 'Namespace', 'n'), ref('v1', 'ConfigMap', 'a', 'n'), ref('v1', 'ConfigMap', 'b', 'n')];
    const text = encodeInventory(refs);
    expect(text).toContain('["v1","ConfigMap","n",["a","b"]]');
    expect(decodeInventory(text)).toEqual([ref('v1', 'ConfigMap', 'a', 'n'), ref('v1', 'ConfigMap', 'b', 'n'), ref('v1', 'Namespace', 'n')]);
    expect(() => decodeInventory('{"a":1}')).toThrow(/expected \{"v":2/);
  });

  it('reads the list older versions wrote', () => {
    expect(decodeInventory('[{"apiVersion":"v1","kind":"ConfigMap","namespace":"n","name":"a"}]')).toEqual([ref('v1', 'ConfigMap', 'a', 'n')]);
  });

  it('stays compact: 10 000 objects of one kind and namespace fit well within a ConfigMap', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ref('v1', 'ConfigMap', `config-${i}`, 'shop'));
    expect(Buffer.byteLength(encodeInventory(many))).toBeLessThan(200 * 1024);
  });
});
