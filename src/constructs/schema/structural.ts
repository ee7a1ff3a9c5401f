/**
 * Turns a TypeBox (JSON Schema) document into the structural OpenAPI v3 schema that an
 * apiextensions.k8s.io/v1 CustomResourceDefinition requires: every node has a type, unions
 * of literals become enums, records become additionalProperties, nullable unions become
 * `nullable: true`, and anything else a structural schema forbids is refused with the path
 * of the offending node.
 */

/** A JSON Schema node in the OpenAPI v3 dialect of Kubernetes. */
export type JSONSchemaProps = { [keyword: string]: unknown };

/** Raised when a schema cannot be expressed as a structural CRD schema. */
export class SchemaConversionError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`schema at ${path || '<root>'}: ${detail}`);
    this.name = 'SchemaConversionError';
  }
}

/** Keywords copied as they are; everything else is either translated below or refused. */
const PLAIN_KEYWORDS = new Set([
  'description', 'title', 'format', 'default', 'example', 'nullable',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties',
]);

/** Keywords TypeBox writes for its own bookkeeping; they never reach the CRD. */
const DROPPED_KEYWORDS = new Set(['$id', '$schema', 'additionalProperties', 'examples']);

const TYPES = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array']);

/** Converts `schema` (found at `path`, used in errors) to a structural schema. */
export function toStructural(schema: unknown, path = ''): JSONSchemaProps {
  if (!isRecord(schema)) throw new SchemaConversionError(path, 'expected a schema object');

  // A union of string literals (Type.Union of Type.Literal, or Type.Enum) is an enum.
  const union = (schema['anyOf'] ?? schema['oneOf']) as unknown;
  if (Array.isArray(union)) return convertUnion(schema, union, path);

  if ('const' in schema) {
    const value = schema['const'];
    return withKeywords(schema, { type: literalType(value, path), enum: [value] }, path, ['const', 'type']);
  }
  if (Array.isArray(schema['enum'])) {
    const values = schema['enum'] as unknown[];
    const type = typeof schema['type'] === 'string' ? schema['type'] : literalType(values[0], path);
    return withKeywords(schema, { type, enum: values }, path, ['enum', 'type']);
  }

  const type = schema['type'];
  if (type === undefined) {
    // Type.Unknown()/Type.Any(), or a hand-written x-kubernetes node such as int-or-string.
    const out = withKeywords(schema, {}, path, []);
    if (!out['x-kubernetes-int-or-string'] && !out['x-kubernetes-preserve-unknown-fields']) {
      out['x-kubernetes-preserve-unknown-fields'] = true;
    }
    return out;
  }
  if (typeof type !== 'string' || !TYPES.has(type)) {
    throw new SchemaConversionError(path, `type ${JSON.stringify(type)} has no CRD equivalent; use string, integer, number, boolean, object or array`);
  }

  if (type === 'array') {
    if (!isRecord(schema['items'])) throw new SchemaConversionError(path, 'an array needs a single items schema (tuples are not structural)');
    return withKeywords(schema, { type, items: toStructural(schema['items'], `${path}[]`) }, path, ['type', 'items']);
  }
  if (type === 'object') return convertObject(schema, path);
  return withKeywords(schema, { type }, path, ['type']);
}

function convertObject(schema: Record<string, unknown>, path: string): JSONSchemaProps {
  const out: JSONSchemaProps = { type: 'object' };
  const properties = schema['properties'];
  const patterns = schema['patternProperties'];
  const additional = schema['additionalProperties'];
  if (isRecord(properties) && Object.keys(properties).length > 0) {
    const converted: JSONSchemaProps = {};
    for (const [name, child] of Object.entries(properties)) converted[name] = toStructural(child, path ? `${path}.${name}` : name);
    out['properties'] = converted;
    if (Array.isArray(schema['required']) && schema['required'].length > 0) out['required'] = [...(schema['required'] as string[])];
  }
  if (isRecord(patterns)) {
    // Type.Record(Type.String(), X) writes one catch-all pattern; that is a map.
    const entries = Object.entries(patterns);
    if (entries.length !== 1 || !isCatchAll(entries[0]![0])) {
      throw new SchemaConversionError(path, 'patternProperties other than a string-keyed record are not structural; use Type.Record(Type.String(), ...)');
    }
    if (out['properties']) throw new SchemaConversionError(path, 'an object cannot have both properties and record entries');
    out['additionalProperties'] = toStructural(entries[0]![1], `${path}[*]`);
  } else if (isRecord(additional)) {
    if (out['properties']) throw new SchemaConversionError(path, 'an object cannot have both properties and additionalProperties');
    out['additionalProperties'] = toStructural(additional, `${path}[*]`);
  } else if (!out['properties'] && !schema['x-kubernetes-preserve-unknown-fields']) {
    // An empty object would prune everything the user writes into it.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return withKeywords(schema, out, path, ['type', 'properties', 'required', 'patternProperties']);
}

function convertUnion(schema: Record<string, unknown>, members: unknown[], path: string): JSONSchemaProps {
  const nonNull = members.filter((m) => !(isRecord(m) && m['type'] === 'null'));
  const nullable = nonNull.length < members.length;
  const rest = ['anyOf', 'oneOf'];
  if (nonNull.length === 1) {
    const inner = toStructural(nonNull[0], path);
    return withKeywords(schema, nullable ? { ...inner, nullable: true } : inner, path, rest);
  }
  const literals = nonNull.map((m) => (isRecord(m) && 'const' in m ? m['const'] : undefined));
  if (literals.some((v) => v === undefined)) {
    throw new SchemaConversionError(path, 'a union of different shapes is not structural; only unions of literals (enums) and `X | null` are allowed');
  }
  const types = new Set(literals.map((v) => literalType(v, path)));
  if (types.size !== 1) throw new SchemaConversionError(path, `enum mixes value types (${[...types].join(', ')}); use one type`);
  const out: JSONSchemaProps = { type: [...types][0], enum: literals };
  if (nullable) out['nullable'] = true;
  return withKeywords(schema, out, path, rest);
}

/** Copies the plain and x-kubernetes-* keywords of `schema` over `base`, refusing unknown ones. */
function withKeywords(schema: Record<string, unknown>, base: JSONSchemaProps, path: string, handled: string[]): JSONSchemaProps {
  const out: JSONSchemaProps = { ...base };
  for (const [key, value] of Object.entries(schema)) {
    if (handled.includes(key) || DROPPED_KEYWORDS.has(key)) continue;
    if (PLAIN_KEYWORDS.has(key) || key.startsWith('x-kubernetes-')) {
      out[key] = value;
      continue;
    }
    throw new SchemaConversionError(path, `keyword "${key}" is not supported in a CRD schema`);
  }
  return out;
}

function literalType(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string': return 'string';
    case 'boolean': return 'boolean';
    case 'number': return Number.isInteger(value) ? 'integer' : 'number';
    default: throw new SchemaConversionError(path, `literal ${JSON.stringify(value)} cannot be an enum value`);
  }
}

function isCatchAll(pattern: string): boolean {
  return pattern === '^(.*)$' || pattern === '^.*$' || pattern === '.*';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
