import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random token: 32 bytes, hex, as Jupyter prints in its URL. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Whether `given` is `expected`, in time that does not depend on where they differ. Both are hashed
 * first so that their lengths, which `timingSafeEqual` needs equal, tell nothing either.
 */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
