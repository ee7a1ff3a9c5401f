import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isConflict, isNotFound, type KubeClient, type KubeObject } from '../k8s/index.js';
import { microTime } from './conditions.js';
import { Kinds, refOf } from './kinds.js';
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

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

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
  private observed: { key: string; at: number; holder: string } | undefined;
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
    const ref = refOf(Kinds.Lease, this.options.namespace, this.options.name);
    const now = new Date();
    try {
      const lease = await withTimeout(this.client.get<Lease>(ref), Math.max(timeoutMs, 100));
      const spec: LeaseSpec = {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      if (!lease) {
        await withTimeout(this.client.create(refOf(Kinds.Lease, this.options.namespace), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.options.name, namespace: this.options.namespace }, spec }), Math.max(timeoutMs, 100));
        this.observe(spec, Date.now());
        return true;
      }
      const current = lease.spec ?? {};
      const holder = current.holderIdentity ?? '';
      this.observe(current, Date.now());
      if (holder !== '' && holder !== this.identity) {
        const durationMs = (current.leaseDurationSeconds ?? Math.ceil(this.leaseMs / 1000)) * 1000;
        if (this.observed!.at + durationMs > Date.now()) {
          return false;
        }
      }
      if (holder === this.identity) {
        spec.acquireTime = current.acquireTime ?? spec.acquireTime;
        spec.leaseTransitions = current.leaseTransitions ?? 0;
      } else {
        spec.leaseTransitions = (current.leaseTransitions ?? 0) + 1;
      }
      const updated = await withTimeout(this.client.replace<Lease>(ref, { ...lease, spec }), Math.max(timeoutMs, 100));
      this.observe(updated.spec ?? spec, Date.now());
      return true;
    } catch (err) {
      if (!isConflict(err)) this.logger?.debug('lease attempt failed', { lease: `${this.options.namespace}/${this.options.name}`, error: String(err) });
      return false;
    }
  }

  private observe(spec: LeaseSpec, at: number): void {
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}|${spec.renewTime ?? ''}|${spec.leaseDurationSeconds ?? ''}`;
    if (this.observed?.key === key) return;
    if (holder && this.observed?.holder !== holder) this.callbacks.onNewLeader?.(holder);
    this.observed = { key, at, holder };
  }

  private async release(): Promise<void> {
    const ref = refOf(Kinds.Lease, this.options.namespace, this.options.name);
    try {
      const lease = await this.client.get<Lease>(ref);
      if (!lease || lease.spec?.holderIdentity !== this.identity) return;
      const now = microTime(new Date());
      await this.client.replace(ref, { ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, acquireTime: now, renewTime: now } });
      this.logger?.info('released the lease', { lease: `${this.options.namespace}/${this.options.name}` });
    } catch (err) {
      if (!isNotFound(err)) this.logger?.error('could not release the lease; the next leader waits for it to expire', { lease: `${this.options.namespace}/${this.options.name}`, error: String(err) });
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lease request took longer than ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
