import { maskSecretPair } from '../apply/index.js';
import type { KubeObject } from '../k8s/index.js';
import type { ObjectDetail } from './api-types.js';

/** Whether `obj` is a core Secret, whose values never leave the server. */
export function isSecretObject(obj: { apiVersion?: string | undefined; kind?: string | undefined }): boolean {
  return obj.kind === 'Secret' && (obj.apiVersion === 'v1' || obj.apiVersion === undefined);
}

/**
 * The object as the page may show it: `managedFields` left out (see {@link foldManagedFields}) and,
 * for a Secret, every value of `data` and `stringData` and the last-applied annotation replaced by
 * `***`, the way `capstan diff` masks them.
 */
export function maskForDisplay(obj: KubeObject): KubeObject {
  const { managedFields: _folded, ...metadata } = obj.metadata;
  const out: KubeObject = { ...obj, metadata };
  if (!isSecretObject(obj)) return out;
  return maskSecretPair(out, out)[0]!;
}

/** Who wrote which part of the object when, one line per managedFields entry, without the field sets. */
export function foldManagedFields(obj: KubeObject): ObjectDetail['managedFields'] {
  return (obj.metadata.managedFields ?? []).map((entry) => {
    const e = entry as { manager?: string; operation?: string; time?: string; subresource?: string };
    return { manager: e.manager ?? '', operation: e.operation ?? '', time: e.time ?? null, subresource: e.subresource ?? null };
  });
}
