import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { Defaulted } from '../../../src/constructs/schema/index.js';
import { applyDefaults } from '../../../src/constructs/schema/apply-defaults.js';
import { SyncType } from '../../../src/constructs/schema/index.js';

const schema = Type.Object({
  ref: Defaulted(Type.Object({ branch: Type.Optional(Type.String()), tag: Type.Optional(Type.String()) }), { branch: 'main' }),
  size: Defaulted(Type.Integer(), 3),
  pools: Type.Optional(Type.Array(Type.Object({ name: Type.String(), replicas: Defaulted(Type.Integer(), 1) }))),
  nested: Defaulted(Type.Object({ inner: Defaulted(Type.String(), 'x') }), {}),
});

describe('defaults as the API server fills them', () => {
  it.each([
    ['an absent object takes its default', {}, { ref: { branch: 'main' }, size: 3, nested: { inner: 'x' } }],
    ['a present object is never merged with its default', { ref: { tag: 'v1' } }, { ref: { tag: 'v1' }, size: 3, nested: { inner: 'x' } }],
    ['array items are defaulted', { pools: [{ name: 'a' }, { name: 'b', replicas: 2 }] }, { ref: { branch: 'main' }, size: 3, pools: [{ name: 'a', replicas: 1 }, { name: 'b', replicas: 2 }], nested: { inner: 'x' } }],
    ['a present value stays, even a falsy one', { size: 0, nested: { inner: '' } }, { ref: { branch: 'main' }, size: 0, nested: { inner: '' } }],
  ])('%s', (_what, value, expected) => {
    const before = structuredClone(value);
    expect(applyDefaults(schema, value)).toEqual(expected);
    expect(value).toEqual(before);
  });

  it('lets a Sync follow a tag or a semver range', () => {
    const view = (ref: Record<string, string>) => SyncType.view({ apiVersion: SyncType.apiVersion, kind: 'Sync', metadata: { name: 'a', namespace: 'b' }, spec: { url: 'https://example.com/r.git', ref } }).spec.ref;
    expect(view({ tag: 'v1' })).toEqual({ tag: 'v1' });
    expect(view({ semver: '>=1.2 <2' })).toEqual({ semver: '>=1.2 <2' });
  });
});
