/** Bounds of a per-item exponential backoff. */
export interface BackoffOptions {
  /** Delay after the first failure, in ms. Default 5 (client-go's default controller rate limiter). */
  baseMs?: number;
  /** Largest delay, in ms. Default 1 000 000 (1000 s). */
  maxMs?: number;
}

/**
 * Per-key exponential backoff: the n-th consecutive failure of a key waits base·2ⁿ⁻¹ ms, capped at
 * max. `forget` resets a key after it succeeds.
 */
export class ItemBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
  private readonly failures = new Map<string, number>();

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 5;
    this.maxMs = options.maxMs ?? 1_000_000;
  }

  /** Records one more failure of `key` and returns how long it must wait before the next try. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }

  /** How many failures in a row `key` has had. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Clears the failures of `key`, after it succeeded or went away. */
  forget(key: string): void {
    this.failures.delete(key);
  }
}
