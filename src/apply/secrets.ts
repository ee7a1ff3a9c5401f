import type { KubeObject } from '../k8s/index.js';
import { groupOf, type ObjectRef } from './objects.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Whether the reference names a core Secret, whose values are never shown. */
export function isSecret(ref: ObjectRef): boolean {
  return ref.kind === 'Secret' && groupOf(ref.apiVersion) === '';
}

/**
 * Both sides of a Secret's diff with every value of `data` and `stringData` replaced, as kubectl
 * diff does: `***` where a key's value is the same on both sides, `*** (before)` and
 * `*** (after)` where it changed, so the diff says which keys changed and never what they hold.
 * kubectl's last-applied annotation, which repeats the values, is masked too.
 */
export function maskSecretPair(before: KubeObject | undefined, after: KubeObject | undefined): [KubeObject | undefined, KubeObject | undefined] {
  const values = (obj: KubeObject | undefined): Map<string, string> => {
    const out = new Map<string, string>();
    const data = (obj?.['data'] ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(data)) out.set(k, String(v));
    const stringData = (obj?.['stringData'] ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(stringData)) out.set(k, Buffer.from(String(v)).toString('base64'));
    return out;
  };
  const old = values(before);
  const now = values(after);
  const mask = (obj: KubeObject | undefined, side: 'before' | 'after'): KubeObject | undefined => {
    if (!obj) return undefined;
    const out: KubeObject = { ...obj, metadata: { ...obj.metadata } };
    for (const field of ['data', 'stringData'] as const) {
      const map = obj[field] as Record<string, unknown> | undefined;
      if (!map || typeof map !== 'object') continue;
      out[field] = Object.fromEntries(Object.keys(map).map((k) => {
        const changed = old.has(k) && now.has(k) && old.get(k) !== now.get(k);
        return [k, changed ? `*** (${side})` : '***'];
      }));
    }
    if (out.metadata.annotations?.[LAST_APPLIED] !== undefined) out.metadata.annotations = { ...out.metadata.annotations, [LAST_APPLIED]: '***' };
    return out;
  };
  return [mask(before, 'before'), mask(after, 'after')];
}
