import { describe, expect, it } from 'vitest';
import { controllerOf, controllerReference, microTime, refersToKind, rfc3339, setCondition, setControllerReference } from '../../../src/controller/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';

const owner: KubeObject = { apiVersion: 'mirror.capstan.dev/v1', kind: 'Mirror', metadata: { name: 'm', uid: 'u1' } };

describe('owner references', () => {
  it('point at the owner as its controller, and refuse a second controller', () => {
    const child: KubeObject = { metadata: { name: 'c', namespace: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'u0' }] } };
    setControllerReference(child, owner);
    expect(controllerOf(child)).toEqual({ ...controllerReference(owner) });
    expect(child.metadata.ownerReferences).toHaveLength(2);
    setControllerReference(child, owner);
    expect(child.metadata.ownerReferences).toHaveLength(2);
    expect(() => setControllerReference(child, { ...owner, metadata: { name: 'n', uid: 'u2' } })).toThrow(/already controlled by Mirror m/);
    expect(refersToKind(controllerOf(child)!, 'mirror.capstan.dev/v2', 'Mirror')).toBe(true);
    expect(refersToKind(controllerOf(child)!, 'other.dev/v1', 'Mirror')).toBe(false);
  });

  it('refuse to cross namespaces and need a uid', () => {
    const nsOwner = { ...owner, metadata: { ...owner.metadata, namespace: 'a' } };
    expect(() => setControllerReference({ metadata: { name: 'c', namespace: 'b' } }, nsOwner)).toThrow(/do not cross namespaces/);
    expect(() => controllerReference({ metadata: { name: 'x' } })).toThrow(/needs apiVersion, kind/);
  });
});

describe('conditions', () => {
  const t1 = new Date('2026-01-01T00:00:00.123Z');
  const t2 = new Date('2026-01-01T00:05:00Z');

  it('keep lastTransitionTime while the status stays, and move it when the status flips', () => {
    let list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Waiting', message: 'source missing' }, 1, t1);
    expect(list).toEqual([{ type: 'Ready', status: 'False', reason: 'Waiting', message: 'source missing', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }]);
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'StillWaiting' }, 2, t2);
    expect(list[0]!.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(list[0]!.observedGeneration).toBe(2);
    expect(list[0]!.reason).toBe('StillWaiting');
    list = setCondition(list, { type: 'Ready', status: 'True' }, 2, t2);
    expect(list[0]!.lastTransitionTime).toBe('2026-01-01T00:05:00Z');
    expect(list[0]!.reason).toBe('True');
    list = setCondition(list, { type: 'Stalled', status: 'False' }, 2, t2);
    expect(list.map((c) => c.type)).toEqual(['Ready', 'Stalled']);
  });

  it('format times as the API server expects', () => {
    expect(rfc3339(t1)).toBe('2026-01-01T00:00:00Z');
    expect(microTime(t1)).toBe('2026-01-01T00:00:00.123000Z');
  });
});
