import type { IConstruct } from 'constructs';
import { formatIssues, type SchemaIssue } from './schema/issues.js';

/** Raised at synth time when a construct's props break its schema; names the construct path and the fields. */
export class SpecValidationError extends Error {
  constructor(readonly constructPath: string, readonly kind: string, readonly issues: readonly SchemaIssue[]) {
    super(`${kind} at construct path "${constructPath}" has an invalid spec; fix these fields:\n${indent(formatIssues(issues))}`);
    this.name = 'SpecValidationError';
  }
}

/** Raised when construct props are wrong in a way a schema does not express. */
export class ConstructPropsError extends Error {
  constructor(scope: IConstruct, field: string, detail: string) {
    super(`construct "${scope.node.path}": ${field}: ${detail}`);
    this.name = 'ConstructPropsError';
  }
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n');
}
