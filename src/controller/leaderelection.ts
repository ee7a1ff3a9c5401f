import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { LeaseHolder, type KubeClient } from '../k8s/index.js';
import type { Logger } from './logger.js';
import { jitter, sleep } from './sleep.js';

/** Where the lease lives and how it is held. */
export interface LeaderElectionOptions {
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease, shared by every replica of the operator. */
  name: string;
  /** This replica's identity; default hostname plus a random suffix. */
  identity?: string;
  /** How long a lease is honoured after its last renewal, as seen by the others. Default 15 000 ms. */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying to renew before it gives up leading. Default 10 000 ms. */
  renewDeadlineMs?: number;
  /** How often to try to acquire or renew. Default 2 000 ms. */
  retryPeriodMs?: number;
}

/** What the elector tells its owner. */
export interface LeaderCallbacks {
  onStartedLeading(): void;
  /** Leadership was lost (not released): the owner must stop acting as leader at once. */
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes the
 * lease when its holder has not renewed it for leaseDuration (timed on the candidate's own clock
 * from when it last saw the record change, so clock skew does not matter); the leader renews every
 * retryPeriod and gives up when it could not renew for renewDeadline. Every write is guarded by
 * the lease's resourceVersion, so two candidates never both succeed.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private readonly lease: LeaseHolder;
  private leading = false;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
    private readonly logger?: Logger,
  ) {
    this.identity = options.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
    if (this.renewMs >= this.leaseMs) throw new Error(`leader election ${options.namespace}/${options.name}: renewDeadline (${this.renewMs} ms) must be shorter than leaseDuration (${this.leaseMs} ms)`);
    this.lease = new LeaseHolder(client, options.namespace, options.name, this.identity, this.leaseMs, (holder) => callbacks.onNewLeader?.(holder));
  }

  /** Whether this replica holds the lease now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Starts campaigning in the background. */
  start(): void {
    this.running ??= this.run();
  }

  /**
   * Stops campaigning. When leading and `release` is true (the default), the lease is handed back
   * (holder cleared) so another replica takes over at once instead of after leaseDuration.
   */
  async stop(release = true): Promise<void> {
    this.abort.abort();
    await this.running;
    if (this.leading && release) await this.release();
    this.leading = false;
  }

  /** Campaigns until leading, renews until a deadline is missed, then returns (as client-go's Run does). */
  private async run(): Promise<void> {
    const signal = this.abort.signal;
    // Acquire.
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) await sleep(jitter(this.retryMs), signal);
    if (signal.aborted) return;
    this.leading = true;
    this.logger?.info('became leader', { lease: `${this.options.namespace}/${this.options.name}`, identity: this.identity });
    this.callbacks.onStartedLeading();
    // Renew until a renewal deadline is missed.
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.retryMs, signal);
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew(this.renewMs - (Date.now() - lastRenew))) {
        lastRenew = Date.now();
        continue;
      }
      if (Date.now() - lastRenew >= this.renewMs) break;
    }
    if (signal.aborted) return;
    this.leading = false;
    this.logger?.error('lost leadership: could not renew the lease within the renew deadline', { lease: `${this.options.namespace}/${this.options.name}`, renewDeadlineMs: this.renewMs });
    this.callbacks.onStoppedLeading();
  }

  /** One attempt; true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(timeoutMs = this.retryMs): Promise<boolean> {
    const attempt = await this.lease.tryAcquireOrRenew(timeoutMs);
    if (attempt.error) this.logger?.debug('lease attempt failed', { lease: `${this.options.namespace}/${this.options.name}`, error: String(attempt.error) });
    return attempt.held;
  }

  private async release(): Promise<void> {
    try {
      await this.lease.release();
      this.logger?.info('released the lease', { lease: `${this.options.namespace}/${this.options.name}` });
    } catch (err) {
      this.logger?.error('could not release the lease; the next leader waits for it to expire', { lease: `${this.options.namespace}/${this.options.name}`, error: String(err) });
    }
  }
}
