import type { KubeObject } from '../k8s/index.js';

/** Metadata fields the API server writes; they never count as drift. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/**
 * The object as compared for drift: without server-populated metadata and without
 * `status`. Used on both sides of a comparison (live and server dry-run), so fields the
 * server defaults are present on both and never show as a difference.
 */
export function normalizeForDiff(obj: KubeObject): KubeObject {
  const out: KubeObject = { ...obj, metadata: { ...obj.metadata } };
  const meta = out.metadata as Record<string, unknown>;
  for (const field of SERVER_METADATA) delete meta[field];
  delete out['status'];
  if (out.metadata.annotations && Object.keys(out.metadata.annotations).length === 0) delete out.metadata.annotations;
  if (out.metadata.labels && Object.keys(out.metadata.labels).length === 0) delete out.metadata.labels;
  return out;
}

/** Structural equality of JSON values; object key order does not matter, list order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Whether two objects differ in anything but server-populated fields. */
export function differs(live: KubeObject, merged: KubeObject): boolean {
  return !deepEqual(normalizeForDiff(live), normalizeForDiff(merged));
}
