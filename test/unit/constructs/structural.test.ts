import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { toStructural, SchemaConversionError } from '../../../src/constructs/schema/index.js';

describe('toStructural', () => {
  it('keeps required fields, bounds and defaults, and drops additionalProperties: false', () => {
    const out = toStructural(Type.Object({
      size: Type.Optional(Type.Integer({ minimum: 1, maximum: 7, default: 3 })),
      name: Type.String({ minLength: 1, pattern: '^[a-z]+$' }),
    }, { additionalProperties: false }));
    expect(out).toEqual({
      type: 'object',
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 7, default: 3 },
        name: { type: 'string', minLength: 1, pattern: '^[a-z]+$' },
      },
      required: ['name'],
    });
  });

  it('turns unions of literals and Type.Enum into enums, and X | null into nullable', () => {
    const out = toStructural(Type.Object({
      tier: Type.Union([Type.Literal('small'), Type.Literal('large')], { default: 'small' }),
      mode: Type.Enum({ A: 'a', B: 'b' }),
      note: Type.Union([Type.String(), Type.Null()]),
      level: Type.Union([Type.Literal(1), Type.Literal(2), Type.Null()]),
    }));
    const props = out['properties'] as Record<string, unknown>;
    expect(props['tier']).toEqual({ type: 'string', enum: ['small', 'large'], default: 'small' });
    expect(props['mode']).toEqual({ type: 'string', enum: ['a', 'b'] });
    expect(props['note']).toEqual({ type: 'string', nullable: true });
    expect(props['level']).toEqual({ type: 'integer', enum: [1, 2], nullable: true });
  });

  it('turns records into additionalProperties and open values into preserve-unknown-fields', () => {
    const out = toStructural(Type.Object({
      labels: Type.Record(Type.String(), Type.String()),
      raw: Type.Unknown(),
      port: Type.Unsafe<number | string>({ 'x-kubernetes-int-or-string': true }),
      items: Type.Array(Type.Object({ a: Type.Boolean() }), { maxItems: 3 }),
    }));
    const props = out['properties'] as Record<string, unknown>;
    expect(props['labels']).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(props['raw']).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(props['port']).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(props['items']).toEqual({ type: 'array', maxItems: 3, items: { type: 'object', properties: { a: { type: 'boolean' } }, required: ['a'] } });
  });

  it('refuses shapes a structural schema cannot hold, naming the field', () => {
    const union = Type.Object({ spec: Type.Object({ port: Type.Union([Type.String(), Type.Integer()]) }) });
    expect(() => toStructural(union, 'spec')).toThrow(SchemaConversionError);
    expect(() => toStructural(union, 'spec')).toThrow(/spec\.spec\.port: a union of different shapes is not structural/);
    expect(() => toStructural(Type.Object({ t: Type.Tuple([Type.String(), Type.Number()]) }), 'spec')).toThrow(/spec\.t: .*tuples/);
    expect(() => toStructural(Type.Object({ f: Type.Function([], Type.Void()) }), 'spec')).toThrow(/spec\.f/);
  });
});

describe('string formats', () => {
  it('accepts the timestamps the API server writes in conditions, and rejects others', async () => {
    const { Value } = await import('@sinclair/typebox/value');
    const { ConditionSchema: conditionSchema } = await import('../../../src/constructs/schema/conditions.js');
    const condition = (lastTransitionTime: string) => ({ type: 'Ready', status: 'True', lastTransitionTime });
    expect(Value.Check(conditionSchema, condition('2026-11-22T14:43:02Z'))).toBe(true);
    expect(Value.Check(conditionSchema, condition('2026-11-22T14:43:02.123456Z'))).toBe(true);
    expect(Value.Check(conditionSchema, condition('yesterday'))).toBe(false);
  });
});
