export { sleep } from '../k8s/time.js';

/** `ms` scaled by a random factor in [1, 1 + factor), so that many clients do not retry in step. */
export function jitter(ms: number, factor = 0.2): number {
  return ms * (1 + Math.random() * factor);
}
