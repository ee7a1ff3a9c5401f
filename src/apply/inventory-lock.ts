import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { LeaseHolder, sleep, type KubeClient } from '../k8s/index.js';
import { InventoryError } from './errors.js';
import type { InventoryLock, LockOptions } from './inventory.js';

/** How long a lock is honoured after its last renewal. A killed run blocks the next one for at most this long. */
const LEASE_MS = 15_000;
const RENEW_MS = 5_000;
const RETRY_MS = 1_000;

/**
 * Takes the Lease `name` in `namespace` as an inventory's lock and keeps renewing it until released.
 * A run that dies leaves the Lease to expire; the next run takes it over then.
 */
export async function acquireLeaseLock(client: KubeClient, namespace: string, name: string, what: string, options: LockOptions = {}): Promise<InventoryLock> {
  const identity = `${hostname()}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const holder = new LeaseHolder(client, namespace, name, identity, LEASE_MS);
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  let reported = '';
  for (;;) {
    const attempt = await holder.tryAcquireOrRenew(RETRY_MS * 5);
    if (attempt.held) break;
    if (attempt.error && !attempt.holder) {
      throw new InventoryError(`cannot take the lock of ${what} (Lease ${namespace}/${name}): ${(attempt.error as Error).message}`, { cause: attempt.error });
    }
    if (attempt.holder !== reported) {
      reported = attempt.holder;
      options.onWait?.(attempt.holder);
    }
    if (Date.now() >= deadline || options.signal?.aborted) {
      throw new InventoryError(`${what} is locked by another run (${attempt.holder}, Lease ${namespace}/${name}): wait for it to finish and try again; a killed run's lock expires ${LEASE_MS / 1000} s after its last renewal`);
    }
    await sleep(RETRY_MS, options.signal);
  }
  return new RenewedLease(holder, what);
}

class RenewedLease implements InventoryLock {
  private lastRenew = Date.now();
  private lost: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly holder: LeaseHolder, private readonly what: string) {
    this.schedule();
  }

  assertHeld(): void {
    if (!this.lost && Date.now() - this.lastRenew >= LEASE_MS - RETRY_MS) this.lost = `not renewed for ${Math.round((Date.now() - this.lastRenew) / 1000)} s`;
    if (this.lost) throw new InventoryError(`lost the lock of ${this.what} (${this.lost}): another run may hold it now, so this one stops writing`);
  }

  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.lost) await this.holder.release().catch(() => undefined); // unreleased, it expires on its own
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const attempt = await this.holder.tryAcquireOrRenew(RENEW_MS);
    if (attempt.held) this.lastRenew = Date.now();
    else if (attempt.holder && attempt.holder !== this.holder.identity) this.lost = `taken by ${attempt.holder}`;
    if (!this.stopped && !this.lost) this.schedule();
  }
}
