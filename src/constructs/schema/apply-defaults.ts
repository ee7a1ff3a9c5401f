import type { TSchema } from '@sinclair/typebox';

interface SchemaNode {
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fills in defaults the way the API server defaults a custom resource: a field that is absent
 * takes its schema's `default`, and the fields of objects and array items (present or just
 * defaulted) are defaulted in turn. A field that is present is never merged with its default,
 * as TypeBox's `Value.Default` would: `ref: { tag: v1 }` stays `{ tag: v1 }` however `ref`
 * defaults. Returns a new value; `value` is not changed.
 */
export function applyDefaults(schema: TSchema, value: unknown): unknown {
  return visit(schema as SchemaNode, value);
}

function visit(schema: SchemaNode, value: unknown): unknown {
  const present = value === undefined && schema.default !== undefined ? structuredClone(schema.default) : value;
  if (Array.isArray(present)) return schema.items ? present.map((item) => visit(schema.items!, item)) : present;
  if (!isPlainObject(present)) return present;
  const out: Record<string, unknown> = { ...present };
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const next = visit(property, out[key]);
    if (next !== undefined) out[key] = next;
  }
  const extra = schema.additionalProperties;
  if (isPlainObject(extra)) {
    for (const key of Object.keys(out)) if (!(key in (schema.properties ?? {}))) out[key] = visit(extra, out[key]);
  }
  return out;
}
