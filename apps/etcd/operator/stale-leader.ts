import type { ReconcileContext } from '../../../src/controller/index.js';
import type { EtcdClient, EtcdError } from './etcd-client.js';
import type { Observed } from './observe.js';
import { memberName } from './plan.js';

/** Per cluster uid: since when etcd has refused membership changes as "unhealthy cluster". */
export const refusedSince = new Map<string, number>();

/** How long a leader may refuse membership changes for want of connected peers while every member answers. */
const staleLeaderMs = 15_000;

/**
 * etcd refuses membership changes while its leader has not seen every peer connected for 5 s. A leader
 * can keep a peer marked inactive after that peer's pod came back on a new IP (a late failed send to
 * the old address deactivates it after the new stream activated it), while the others see it fine.
 * When that lasts although every member answers, leadership moves to a follower, whose view is fresh.
 */
export async function unstickLeader(err: EtcdError, ctx: ReconcileContext, etcd: EtcdClient, observed: Observed, uid: string): Promise<void> {
  if (!/unhealthy cluster|not connected/.test(err.message) || !observed.etcd) return;
  const since = refusedSince.get(uid) ?? Date.now();
  refusedSince.set(uid, since);
  const { members, health, leaderId } = observed.etcd;
  if (Date.now() - since < staleLeaderMs || members.some((m) => !health.get(m.id))) return;
  const leader = members.find((m) => m.id === leaderId);
  const to = members.find((m) => m.id !== leaderId && !m.isLearner);
  const endpoint = leader && observed.endpoints.get(memberName(leader));
  if (!to || !endpoint) return;
  await etcd.moveLeader(endpoint, to.id).catch(() => undefined);
  refusedSince.delete(uid);
  await ctx.record({ type: 'Warning', reason: 'LeaderMoved', action: 'MoveLeader', note: `leader ${leader.name} refused membership changes for ${Math.round((Date.now() - since) / 1000)} s while every member answered; moved leadership to ${to.name}` });
}

