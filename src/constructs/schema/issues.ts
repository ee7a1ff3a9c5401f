import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';

/** One way a value breaks its schema: the field as a dotted path from the object root, and why. */
export interface SchemaIssue {
  /** e.g. `spec.members[0].peerPort`. */
  readonly field: string;
  readonly message: string;
  readonly value: unknown;
}

/**
 * Checks `value` against `schema` and lists every issue, with fields written under `root`
 * (for example `spec`), so an error can point at `spec.size` instead of `/size`.
 */
export function schemaIssues(schema: TSchema, value: unknown, root: string): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    issues.push({ field: fieldOf(root, error.path), message: error.message, value: error.value });
  }
  return issues;
}

/** Renders issues one per line, e.g. `spec.size: Expected integer to be less or equal to 7 (got 9)`. */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}${i.value === undefined ? '' : ` (got ${JSON.stringify(i.value)})`}`).join('\n');
}

/** JSON pointer `/members/0/peerPort` under `spec` becomes `spec.members[0].peerPort`. */
function fieldOf(root: string, pointer: string): string {
  let field = root;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    field += /^\d+$/.test(part) ? `[${part}]` : field ? `.${part}` : part;
  }
  return field;
}
