import type { IConstruct } from 'constructs';
import { ConstructPropsError } from './errors.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The object name a construct writes: `name` when given, else its construct id, checked as a DNS label. */
export function objectName(scope: IConstruct, name: string | undefined): string {
  const value = name ?? scope.node.id;
  if (!DNS_LABEL.test(value) || value.length > 63) {
    const where = name === undefined ? `construct id "${value}" is used as the object name but` : `"${value}"`;
    throw new ConstructPropsError(scope, 'name', `${where} is not a DNS label (lowercase letters, digits and '-', at most 63); pass a valid \`name\``);
  }
  return value;
}

/** Standard labels of the objects a construct writes. */
export function standardLabels(name: string, component?: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    ...(component ? { 'app.kubernetes.io/component': component } : {}),
    'app.kubernetes.io/managed-by': 'capstan',
  };
}
