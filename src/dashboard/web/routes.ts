import type { ObjectId } from '../api-types.js';

/** A page of the dashboard, from the location's hash. */
export type Route = { page: 'syncs' } | { page: 'sync'; namespace: string; name: string } | { page: 'object'; id: ObjectId };

/** The hash of the One Sync page. */
export function syncHref(namespace: string, name: string): string {
  return `#/sync/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** The hash of the One object page. */
export function objectHref(id: ObjectId): string {
  return `#/object/${[id.apiVersion, id.kind, id.namespace ?? '', id.name].map(encodeURIComponent).join('/')}`;
}

/** The route a hash names; the Syncs page for anything else. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'sync' && parts.length === 3) return { page: 'sync', namespace: parts[1]!, name: parts[2]! };
  if (parts[0] === 'object' && parts.length === 5) return { page: 'object', id: { apiVersion: parts[1]!, kind: parts[2]!, namespace: parts[3] || undefined, name: parts[4]! } };
  return { page: 'syncs' };
}
