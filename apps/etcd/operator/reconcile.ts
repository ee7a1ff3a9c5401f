import { isDeepStrictEqual } from 'node:util';
import { defineKind, Kinds, patchStatus, refOf, updateStatus, type Manager, type ReconcileContext, type Request, type Result } from '../../../src/controller/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { EtcdClusterType } from '../etcd-cluster-type.js';
import { registerBackups } from './backup.js';
import { EtcdClient, EtcdError } from './etcd-client.js';
import { observe } from './observe.js';
import { planStep, type ClusterState, type Step } from './plan.js';
import { clientService, disruptionBudget, peerService } from './services.js';
import { refusedSince, unstickLeader } from './stale-leader.js';
import { clusterStatus, type StatusUpdate } from './status.js';
import { execute } from './step-execute.js';
import { upgradeRefusal, versionRefusal } from './versions.js';

/** policy/v1 PodDisruptionBudget, which the core kinds do not list. */
export const PodDisruptionBudgetKind = defineKind('policy/v1', 'PodDisruptionBudget', { resource: 'poddisruptionbudgets' });

/** How soon to look again: right after a step, soon while waiting on one, and for health once converged. */
const requeue = { afterStep: 1000, waiting: 2000, converged: 30_000 } as const;

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
