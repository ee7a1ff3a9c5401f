import { describe, expect, expectTypeOf, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineCustomResource, CustomObjectInvalidError, type SpecOf, type SpecViewOf } from '../../../src/constructs/schema/index.js';

const Cache = defineCustomResource({
  group: 'cache.test.capstan.dev',
  version: 'v1beta1',
  kind: 'Cache',
  plural: 'caches',
  shortNames: ['ca'],
  categories: ['capstan'],
  spec: Type.Object({
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: 7, default: 3 })),
    engine: Type.Union([Type.Literal('redis'), Type.Literal('valkey')]),
  }),
  status: Type.Object({ readyReplicas: Type.Optional(Type.Integer()) }),
  scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.readyReplicas' },
  printerColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
});

describe('defineCustomResource', () => {
  it('yields a CRD with a structural schema, status and scale subresources, columns and names', () => {
    const { crd } = Cache;
    expect(crd.metadata.name).toBe('caches.cache.test.capstan.dev');
    const spec = crd.spec as any;
    expect(spec.scope).toBe('Namespaced');
    expect(spec.names).toEqual({ kind: 'Cache', listKind: 'CacheList', plural: 'caches', singular: 'cache', shortNames: ['ca'], categories: ['capstan'] });
    const version = spec.versions[0];
    expect(version).toMatchObject({ name: 'v1beta1', served: true, storage: true });
    expect(version.subresources).toEqual({ status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.readyReplicas' } });
    const schema = version.schema.openAPIV3Schema;
    expect(schema.required).toEqual(['spec']);
    expect(schema.properties.spec).toEqual({
      type: 'object',
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 7, default: 3 },
        engine: { type: 'string', enum: ['redis', 'valkey'] },
      },
      required: ['engine'],
    });
    // The standard status fields are merged with the declared ones.
    expect(Object.keys(schema.properties.status.properties)).toEqual(['observedGeneration', 'conditions', 'readyReplicas']);
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(['Size', 'Ready', 'Age']);
  });

  it('lists spec issues with dotted field paths', () => {
    expect(Cache.specIssues({ engine: 'redis' })).toEqual([]);
    const issues = Cache.specIssues({ engine: 'memcached', size: 9 });
    expect(issues.map((i) => i.field).sort()).toEqual(['spec.engine', 'spec.size']);
  });

  it('gives the operator a typed view with defaults filled in, and refuses invalid objects naming them', () => {
    const view = Cache.view({ apiVersion: 'cache.test.capstan.dev/v1beta1', kind: 'Cache', metadata: { name: 'c1', namespace: 'ns' }, spec: { engine: 'valkey' } });
    const spec: SpecOf<typeof Cache> = view.spec;
    expect(spec.size).toBe(3);
    expect(spec.engine).toBe('valkey');
    expect(() => Cache.view({ metadata: { name: 'c2', namespace: 'ns' }, spec: { engine: 'redis', size: 0 } }))
      .toThrow(CustomObjectInvalidError);
    expect(() => Cache.view({ metadata: { name: 'c2', namespace: 'ns' }, spec: { engine: 'redis', size: 0 } }))
      .toThrow(/Cache ns\/c2 .*\n.*spec\.size/);
  });

  it('refuses bad names and columns that point nowhere, naming the field', () => {
    const base = { group: 'x.capstan.dev', version: 'v1', kind: 'Thing', plural: 'things', spec: Type.Object({ n: Type.Integer() }) };
    expect(() => defineCustomResource({ ...base, group: 'nodot' })).toThrow(/Thing: group: "nodot"/);
    expect(() => defineCustomResource({ ...base, kind: 'thing' })).toThrow(/kind: "thing" must be UpperCamelCase/);
    expect(() => defineCustomResource({ ...base, version: '1' })).toThrow(/version/);
    expect(() => defineCustomResource({ ...base, printerColumns: [{ name: 'M', type: 'string', jsonPath: '.spec.missing' }] }))
      .toThrow(/printerColumns\[0\]\.jsonPath: \.spec\.missing names no field/);
    expect(() => defineCustomResource({ ...base, printerColumns: [{ name: 'N', type: 'string', jsonPath: '.spec.n' }] }))
      .toThrow(/is of type integer, expected string/);
    expect(() => defineCustomResource({ ...base, scale: { specReplicasPath: '.spec.n', statusReplicasPath: '.status.nope' } }))
      .toThrow(/scale\.statusReplicasPath/);
  });

  it('makes Defaulted fields optional in the props and present in the operator view', () => {
    const Pool = defineCustomResource({
      group: 'pool.test.capstan.dev', version: 'v1', kind: 'Pool', plural: 'pools',
      spec: Type.Object({
        size: Defaulted(Type.Integer({ minimum: 1 }), 2),
        tier: Defaulted(Type.Union([Type.Literal('a'), Type.Literal('b')]), 'a'),
        nested: Defaulted(Type.Object({ depth: Defaulted(Type.Integer(), 1), label: Type.Optional(Type.String()) }), {}),
        note: Type.Optional(Type.String()),
      }),
    });
    expectTypeOf<SpecOf<typeof Pool>>().toEqualTypeOf<{ size?: number; tier?: 'a' | 'b'; nested?: { depth?: number; label?: string }; note?: string }>();
    expectTypeOf<SpecViewOf<typeof Pool>>().toEqualTypeOf<{ size: number; tier: 'a' | 'b'; nested: { depth: number; label?: string }; note?: string }>();
    const spec = (Pool.crd.spec as any).versions[0].schema.openAPIV3Schema.properties.spec;
    expect(spec.required).toBeUndefined();
    expect(spec.properties.size).toEqual({ type: 'integer', minimum: 1, default: 2 });
    expect(spec.properties.nested.properties.depth).toEqual({ type: 'integer', default: 1 });
    const view = Pool.view({ metadata: { name: 'p' }, spec: {} });
    expect(view.spec).toEqual({ size: 2, tier: 'a', nested: { depth: 1 } });
    expect(() => Defaulted(Type.Integer({ minimum: 1 }), 0)).toThrow(/default: Expected integer to be greater or equal to 1/);
  });

  it('writes cluster-scoped kinds', () => {
    const c = defineCustomResource({ group: 'x.capstan.dev', version: 'v1', kind: 'Zone', plural: 'zones', scope: 'Cluster', spec: Type.Object({}) });
    expect((c.crd.spec as any).scope).toBe('Cluster');
    expect((c.crd.spec as any).versions[0].schema.openAPIV3Schema.properties.spec).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });
});
