import { afterEach, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../../src/controller/index.js';
import { ApiError, type KubeClient, type KubeObject } from '../../../src/k8s/index.js';
import { until } from './fake-listwatch.js';

/** An in-memory Lease store with the API server's optimistic concurrency (resourceVersion) rules. */
function leaseStore() {
  let lease: KubeObject | undefined;
  let rv = 0;
  const writes: string[] = [];
  const conflict = () => new ApiError('PUT', '/leases/x', 409, { kind: 'Status', code: 409, reason: 'Conflict' }, '');
  const client = {
    get: async () => (lease ? structuredClone(lease) : undefined),
    create: async (_ref: unknown, body: KubeObject) => {
      if (lease) throw new ApiError('POST', '/leases', 409, { kind: 'Status', code: 409, reason: 'AlreadyExists' }, '');
      lease = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      writes.push(`create ${(body.spec as { holderIdentity: string }).holderIdentity}`);
      return structuredClone(lease);
    },
    replace: async (_ref: unknown, body: KubeObject) => {
      if (!lease || body.metadata.resourceVersion !== lease.metadata.resourceVersion) throw conflict();
      lease = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      writes.push(`update ${(body.spec as { holderIdentity: string | null }).holderIdentity ?? '(none)'}`);
      return structuredClone(lease);
    },
  } as unknown as KubeClient;
  return { client, writes, holder: () => (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '' };
}

const electors: LeaderElector[] = [];
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop(false)));
});

function elector(client: KubeClient, identity: string, log: string[]): LeaderElector {
  const e = new LeaderElector(client, { namespace: 'ns', name: 'op', identity, leaseDurationMs: 1000, renewDeadlineMs: 700, retryPeriodMs: 100 }, {
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} lost`),
  });
  electors.push(e);
  return e;
}

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead, and the other waits for the lease to expire before taking over', async () => {
    const store = leaseStore();
    const log: string[] = [];
    const a = elector(store.client, 'a', log);
    const b = elector(store.client, 'b', log);
    a.start();
    await until(() => a.isLeader);
    b.start();
    await new Promise((r) => setTimeout(r, 1500)); // longer than the lease: a keeps renewing it
    expect(b.isLeader).toBe(false);
    expect(log).toEqual(['a leads']);
    // a dies without releasing: b takes over once the lease has not been renewed for leaseDuration.
    const diedAt = Date.now();
    await a.stop(false);
    await until(() => b.isLeader, 3000);
    const took = Date.now() - diedAt;
    // Timed from when b last saw the lease change (at most one retry period before a died).
    expect(took).toBeGreaterThanOrEqual(1000 - 120);
    expect(took).toBeLessThan(1000 + 5 * 120);
    expect(store.holder()).toBe('b');
  });

  it('releases the lease on stop, so the next candidate takes over at once', async () => {
    const store = leaseStore();
    const log: string[] = [];
    const a = elector(store.client, 'a', log);
    a.start();
    await until(() => a.isLeader);
    const b = elector(store.client, 'b', log);
    b.start();
    await new Promise((r) => setTimeout(r, 100));
    const releasedAt = Date.now();
    await a.stop();
    expect(store.holder()).toBe('');
    await until(() => b.isLeader, 1000);
    expect(Date.now() - releasedAt).toBeLessThan(400);
  });

  it('gives up leading when it cannot renew within the renew deadline', async () => {
    const store = leaseStore();
    const log: string[] = [];
    const a = elector(store.client, 'a', log);
    a.start();
    await until(() => a.isLeader);
    // The API server stops answering writes.
    (store.client as unknown as { replace: () => Promise<never> }).replace = () => Promise.reject(new Error('connection refused'));
    await until(() => log.includes('a lost'), 2000);
    expect(a.isLeader).toBe(false);
  });

  it('refuses a renew deadline that is not shorter than the lease', () => {
    expect(() => new LeaderElector({} as KubeClient, { namespace: 'n', name: 'l', leaseDurationMs: 1000, renewDeadlineMs: 1000 }, { onStartedLeading() {}, onStoppedLeading() {} })).toThrow(/must be shorter than leaseDuration/);
  });
});
