import type { KubeClient } from './client.js';
import { isConflict, isNotFound } from './errors.js';
import type { ResourceRef } from './paths.js';
import { microTime } from './time.js';
import type { KubeObject } from './types.js';

/** The spec of a coordination.k8s.io/v1 Lease. */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

/** A coordination.k8s.io/v1 Lease. */
export type Lease = KubeObject & { spec?: LeaseSpec };

/** The REST reference of a Lease, or of the Leases of a namespace when `name` is omitted. */
export function leaseRef(namespace: string, name?: string): ResourceRef {
  return { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace, name };
}

/** What one attempt on a Lease found. */
export interface LeaseAttempt {
  /** Whether this holder holds the Lease after the attempt. */
  held: boolean;
  /** The identity that holds it when this holder does not ('' when the attempt itself failed). */
  holder: string;
  /** Why the attempt failed, when a request failed rather than the Lease being taken. */
  error?: unknown;
}

/**
 * One holder's side of a Lease, as client-go's resource lock does it: take the Lease when nobody
 * holds it or its holder has not renewed it for its leaseDuration, renew it while holding, and hand
 * it back. The expiry is timed on this holder's own clock from when it last saw the record change,
 * so clock skew between holders does not matter; every write is guarded by the Lease's
 * resourceVersion, so two holders never both succeed.
 */
export class LeaseHolder {
  private observed: { key: string; at: number; holder: string } | undefined;

  constructor(
    private readonly client: KubeClient,
    /** Namespace of the Lease. */
    readonly namespace: string,
    /** Name of the Lease. */
    readonly name: string,
    /** This holder's identity, written to `holderIdentity`. */
    readonly identity: string,
    /** How long the Lease is honoured after a renewal, in milliseconds. */
    readonly durationMs: number,
    /** Called when a holder other than the previous one is seen. */
    private readonly onNewHolder?: (identity: string) => void,
  ) {}

  /** The identity last seen holding the Lease ('' when none was seen). */
  get lastHolder(): string {
    return this.observed?.holder ?? '';
  }

  /** One attempt to take or renew the Lease; requests time out after `timeoutMs`. */
  async tryAcquireOrRenew(timeoutMs: number): Promise<LeaseAttempt> {
    const ref = leaseRef(this.namespace, this.name);
    const now = new Date();
    const budget = Math.max(timeoutMs, 100);
    try {
      const lease = await withTimeout(this.client.get<Lease>(ref), budget);
      const spec: LeaseSpec = {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.durationMs / 1000),
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      if (!lease) {
        await withTimeout(this.client.create(leaseRef(this.namespace), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec }), budget);
        this.observe(spec, Date.now());
        return { held: true, holder: this.identity };
      }
      const current = lease.spec ?? {};
      const holder = current.holderIdentity ?? '';
      this.observe(current, Date.now());
      if (holder !== '' && holder !== this.identity) {
        const durationMs = (current.leaseDurationSeconds ?? Math.ceil(this.durationMs / 1000)) * 1000;
        if (this.observed!.at + durationMs > Date.now()) return { held: false, holder };
      }
      if (holder === this.identity) {
        spec.acquireTime = current.acquireTime ?? spec.acquireTime;
        spec.leaseTransitions = current.leaseTransitions ?? 0;
      } else {
        spec.leaseTransitions = (current.leaseTransitions ?? 0) + 1;
      }
      const updated = await withTimeout(this.client.replace<Lease>(ref, { ...lease, spec }), budget);
      this.observe(updated.spec ?? spec, Date.now());
      return { held: true, holder: this.identity };
    } catch (err) {
      if (!isConflict(err)) return { held: false, holder: '', error: err };
      // Another holder wrote first: the Lease is taken, not broken. Learn who holds it.
      const lease = await withTimeout(this.client.get<Lease>(ref), budget).catch(() => undefined);
      if (lease?.spec) this.observe(lease.spec, Date.now());
      return { held: false, holder: this.lastHolder };
    }
  }

  /** Hands the Lease back (holder cleared, duration 1 s) if this holder still holds it. */
  async release(): Promise<void> {
    const ref = leaseRef(this.namespace, this.name);
    try {
      const lease = await this.client.get<Lease>(ref);
      if (!lease || lease.spec?.holderIdentity !== this.identity) return;
      const now = microTime(new Date());
      await this.client.replace(ref, { ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, acquireTime: now, renewTime: now } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private observe(spec: LeaseSpec, at: number): void {
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}|${spec.renewTime ?? ''}|${spec.leaseDurationSeconds ?? ''}`;
    if (this.observed?.key === key) return;
    if (holder && this.observed?.holder !== holder) this.onNewHolder?.(holder);
    this.observed = { key, at, holder };
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
