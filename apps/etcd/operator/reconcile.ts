import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { defineKind, Kinds, patchStatus, refOf, updateStatus, type Manager, type ReconcileContext, type Request, type Result } from '../../../src/controller/index.js';
import { isNotFound, type KubeObject } from '../../../src/k8s/index.js';
import { EtcdClusterType } from '../etcd-cluster-type.js';
import { registerBackups } from './backup.js';
import { EtcdClient, EtcdError, hexId } from './etcd-client.js';
import { memberClaim, memberPod, type Bootstrap } from './member-pod.js';
import { claimName, newMemberName, peerURL } from './names.js';
import { observe, type Observed } from './observe.js';
import { initialCluster, memberName, planStep, type ClusterState, type Step } from './plan.js';
import { clientService, disruptionBudget, peerService } from './services.js';
import { clusterStatus, type StatusUpdate } from './status.js';
import { upgradeRefusal, versionRefusal } from './versions.js';

/** policy/v1 PodDisruptionBudget, which the core kinds do not list. */
export const PodDisruptionBudgetKind = defineKind('policy/v1', 'PodDisruptionBudget', { resource: 'poddisruptionbudgets' });

/** How soon to look again: right after a step, soon while waiting on one, and for health once converged. */
const requeue = { afterStep: 1000, waiting: 2000, converged: 30_000 } as const;

/** Where pre-upgrade snapshots are written: `CAPSTAN_ETCD_SNAPSHOT_DIR`, else a folder in the temp directory. */
function snapshotDir(): string {
  return process.env.CAPSTAN_ETCD_SNAPSHOT_DIR ?? path.join(os.tmpdir(), 'capstan-etcd-snapshots');
}

/**
 * Registers the `etcd` operator's controllers: `etcdcluster` (pods, claims and Services it owns bring
 * their cluster back) and `etcdbackup`.
 */
export function registerEtcd(manager: Manager): void {
  registerBackups(manager);
  const etcd = new EtcdClient();
  manager.controller('etcdcluster')
    .for(EtcdClusterType)
    .owns(Kinds.Pod)
    .owns(Kinds.PersistentVolumeClaim)
    .owns(Kinds.Service)
    .owns(PodDisruptionBudgetKind)
    .complete((req, ctx) => reconcileCluster(req, ctx, etcd));
}

/** One reconcile of an EtcdCluster: settle the target, observe, take at most one step, report. */
export async function reconcileCluster(req: Request, ctx: ReconcileContext, etcd: EtcdClient): Promise<Result | void> {
  if (!ctx.object || ctx.object.metadata.deletionTimestamp) return; // owner references take everything with it
  // The locked target lives in the status: read it from the API server, not from a cache that may
  // not have seen the last reconcile's status write yet and would hand back the previous target.
  let live = await ctx.client.get(refOf(EtcdClusterType, req.namespace, req.name));
  if (!live || live.metadata.deletionTimestamp) return;
  const cluster = EtcdClusterType.view(live);
  const namespace = req.namespace!;
  const name = req.name;
  const spec = cluster.spec;
  const status = cluster.status ?? {};
  const wanted = { size: spec.size, version: spec.version };

  let target = status.observed;
  if (!target) {
    const refusal = versionRefusal(spec.version);
    if (refusal) return stalled(ctx, live, `spec.version: ${refusal}`);
    target = wanted;
  }

  const observed = await observe(ctx.client, etcd, namespace, name);
  const state = (t: { size: number; version: string }): ClusterState => ({
    target: t,
    pods: observed.pods,
    claims: observed.claims,
    etcd: observed.etcd,
    formed: Boolean(status.clusterID),
    knownMembers: (status.members ?? []).map((m) => m.name).filter(Boolean),
    snapshotFor: status.lastSnapshot?.forVersion,
  });
  let step = planStep(state(target));
  const refusal = isDeepStrictEqual(target, wanted) ? undefined : specRefusal(target, wanted);
  // A locked target: a new spec is adopted only once the current one is reached.
  if (!refusal && !isDeepStrictEqual(target, wanted) && step.kind === 'converged') {
    target = wanted;
    step = planStep(state(target));
  }

  await ctx.apply(Kinds.Service, clientService(name, namespace));
  await ctx.apply(Kinds.Service, peerService(name, namespace));
  const voters = observed.etcd?.members.filter((m) => !m.isLearner).length ?? 0;
  await ctx.apply(PodDisruptionBudgetKind, disruptionBudget(name, namespace, Math.max(voters, target.size)));

  // Recorded before the first step toward it: an operator restarted mid-step finishes that step
  // toward this target instead of undoing it for the previous one.
  if (!isDeepStrictEqual(status.observed, target)) live = await patchStatus(ctx.client, EtcdClusterType, live, { observed: target });
  if (step.kind !== 'wait' && step.kind !== 'converged') ctx.log.info(step.why, { step: step.kind });
  const update: StatusUpdate = {};
  let outcome: Step = step;
  try {
    await execute(step, { ctx, etcd, observed, namespace, name, uid: cluster.metadata.uid!, spec, target, update });
    refusedSince.delete(cluster.metadata.uid!);
  } catch (err) {
    if (!(err instanceof EtcdError)) throw err;
    // etcd refusing a step (a learner not in sync yet, an unhealthy cluster right after a restart) is retried, not failed.
    outcome = { kind: 'wait', phase: step.phase, why: `${step.why}: ${err.message}; retrying` };
    await unstickLeader(err, ctx, etcd, observed, cluster.metadata.uid!);
  }
  const report = clusterStatus({ step: outcome, observed, target, wanted, refusal, previous: status, update });
  // Compared with the live object read above, so a lagging cache can neither skip nor undo a write.
  await updateStatus(ctx.client, EtcdClusterType, live, report.conditions, report.fields);
  if (outcome.kind === 'converged') return { requeueAfter: requeue.converged };
  return { requeueAfter: outcome.kind === 'wait' ? requeue.waiting : requeue.afterStep };
}

/** Per cluster uid: since when etcd has refused membership changes as "unhealthy cluster". */
const refusedSince = new Map<string, number>();

/** How long a leader may refuse membership changes for want of connected peers while every member answers. */
const staleLeaderMs = 15_000;

/**
 * etcd refuses membership changes while its leader has not seen every peer connected for 5 s. A leader
 * can keep a peer marked inactive after that peer's pod came back on a new IP (a late failed send to
 * the old address deactivates it after the new stream activated it), while the others see it fine.
 * When that lasts although every member answers, leadership moves to a follower, whose view is fresh.
 */
async function unstickLeader(err: EtcdError, ctx: ReconcileContext, etcd: EtcdClient, observed: Observed, uid: string): Promise<void> {
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

/** Why the spec cannot become the target, or undefined. */
function specRefusal(target: { size: number; version: string }, wanted: { size: number; version: string }): string | undefined {
  if (wanted.version === target.version) return undefined;
  const why = upgradeRefusal(target.version, wanted.version);
  return why ? `spec.version: ${why}` : undefined;
}

async function stalled(ctx: ReconcileContext, live: KubeObject, message: string): Promise<Result> {
  await updateStatus(ctx.client, EtcdClusterType, live, [
    { type: 'Stalled', status: 'True', reason: 'InvalidSpec', message: `${message}; no member was created` },
    { type: 'Ready', status: 'False', reason: 'InvalidSpec', message },
  ], { phase: 'Failed' });
  return {};
}

interface Execution {
  ctx: ReconcileContext;
  etcd: EtcdClient;
  observed: Observed;
  namespace: string;
  name: string;
  uid: string;
  spec: typeof EtcdClusterType.types.view;
  target: { size: number; version: string };
  update: StatusUpdate;
}

/** Takes one step: the only place that changes etcd's membership or the member pods. */
async function execute(step: Step, x: Execution): Promise<void> {
  const { ctx, etcd, observed, namespace, name } = x;
  const endpointOf = (memberId: string): string | undefined => {
    const m = observed.etcd?.members.find((mm) => mm.id === memberId);
    return m ? observed.endpoints.get(memberName(m)) : undefined;
  };
  const leaderEndpoint = () => endpointOf(observed.etcd!.leaderId) ?? healthyEndpoint();
  const healthyEndpoint = (except?: string): string => {
    const m = observed.etcd!.members.find((mm) => mm.id !== except && observed.etcd!.health.get(mm.id) && !mm.isLearner);
    const endpoint = m && observed.endpoints.get(memberName(m));
    if (!endpoint) throw new EtcdError('(none)', 'choose endpoint', 'no healthy voting member to send the call to');
    return endpoint;
  };
  const startPod = async (member: string, bootstrap: Bootstrap, initial?: string): Promise<void> => {
    await ctx.apply(Kinds.PersistentVolumeClaim, memberClaim(name, namespace, member, x.spec));
    await ctx.apply(Kinds.Pod, memberPod({
      cluster: name, namespace, uid: x.uid, member, version: x.target.version, bootstrap, initialCluster: initial, spec: x.spec, restore: x.spec.bootstrap?.restore,
    }));
  };
  const deletePod = async (member: string): Promise<void> => {
    const pod = observed.podObjects.get(member);
    await ctx.client.delete(refOf(Kinds.Pod, namespace, member), pod?.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {}).catch(ignoreNotFound);
  };

  switch (step.kind) {
    case 'bootstrap':
      return startPod(newMemberName(name), 'seed');
    case 'createPod':
      return startPod(step.member, step.bootstrap, step.initialCluster);
    case 'recreatePod':
      await ctx.record({ reason: step.phase === 'Upgrading' ? 'UpgradingMember' : 'RestartingMember', action: 'Delete', note: step.why });
      return deletePod(step.member);
    case 'deleteMember':
      await deletePod(step.member);
      await ctx.client.delete(refOf(Kinds.PersistentVolumeClaim, namespace, claimName(step.member))).catch(ignoreNotFound);
      return;
    case 'addLearner': {
      const member = newMemberName(name);
      const added = await etcd.memberAdd(leaderEndpoint(), peerURL(name, namespace, member), true);
      await ctx.record({ reason: 'MemberAdded', action: 'AddLearner', note: `added ${member} (id ${hexId(added.member.id)}) as a learner` });
      return startPod(member, 'join', initialCluster(added.members));
    }
    case 'promote':
      await etcd.memberPromote(leaderEndpoint(), step.id);
      await ctx.record({ reason: 'MemberPromoted', action: 'Promote', note: `promoted ${step.member} (id ${hexId(step.id)}) to a voting member` });
      return;
    case 'remove':
      await etcd.memberRemove(healthyEndpoint(step.id), step.id);
      await ctx.record({ reason: step.phase === 'Replacing' ? 'MemberReplacing' : 'MemberRemoved', action: 'Remove', note: step.why });
      return;
    case 'moveLeader':
      await etcd.moveLeader(leaderEndpoint(), step.to);
      await ctx.record({ reason: 'LeaderMoved', action: 'MoveLeader', note: step.why });
      return;
    case 'snapshot': {
      const leader = leaderEndpoint();
      const serving = observed.etcd!.health.get(observed.etcd!.leaderId);
      const file = path.join(snapshotDir(), `${namespace}_${name}_${Date.now()}_before-${x.target.version}.db`);
      const taken = await etcd.snapshot(leader, file);
      const { revision } = await etcd.status(leader);
      x.update.lastSnapshot = { revision, size: taken.size, sha256: taken.sha256, version: serving?.version ?? '', forVersion: x.target.version, time: new Date().toISOString(), path: file };
      await ctx.record({ reason: 'SnapshotTaken', action: 'Snapshot', note: `${taken.size} bytes, sha256 ${taken.sha256}, before upgrading to ${x.target.version}` });
      return;
    }
    case 'wait':
    case 'converged':
      return;
  }
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

