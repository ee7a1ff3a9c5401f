import { isDeepStrictEqual } from 'node:util';
import { defineKind, Kinds, patchStatus, refOf, updateStatus, type Manager, type ReconcileContext, type Request, type Result } from '../../../src/controller/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { EtcdClusterType } from '../etcd-cluster-type.js';
import { registerBackups } from './backup.js';
import { reconcileSchedule } from './backup-schedule.js';
import { CronError, parseCron } from './cron.js';
import { EtcdBackupType } from '../etcd-backup-type.js';
import { EtcdClient, EtcdError } from './etcd-client.js';
import { observe } from './observe.js';
import { planStep, type ClusterState, type Step } from './plan.js';
import { clientService, disruptionBudget, peerService } from './services.js';
import { refusedSince, unstickLeader } from './stale-leader.js';
import { clusterStatus, type StatusUpdate } from './status.js';
import { execute } from './step-execute.js';
import { parseDuration, prepareTls, pruneMemberSecrets, TlsSecretInvalid, type ClusterTls } from './tls.js';
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
  const plain = new EtcdClient();
  manager.controller('etcdcluster')
    .for(EtcdClusterType)
    .owns(Kinds.Pod)
    .owns(Kinds.PersistentVolumeClaim)
    .owns(Kinds.Service)
    .owns(PodDisruptionBudgetKind)
    .owns(EtcdBackupType)
    .complete((req, ctx) => reconcileCluster(req, ctx, plain));
}

/** One reconcile of an EtcdCluster: settle the target, observe, take at most one step, report. */
export async function reconcileCluster(req: Request, ctx: ReconcileContext, plain: EtcdClient): Promise<Result | void> {
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
    if (refusal) return stalled(ctx, live, `spec.version: ${refusal}`, 'no member was created');
    target = wanted;
  }
  const choices = { tls: Boolean(spec.tls), ephemeral: Boolean(spec.storage.ephemeral) };
  // A cluster formed before its choices were recorded: its members' URLs say whether it has TLS, and it had claims.
  const fixed = status.createdWith ?? (status.clusterID ? { tls: status.members?.some((m) => m.peerURL.startsWith('https:')) ?? false, ephemeral: false } : choices);
  const changed = choiceRefusal(fixed, choices) ?? tlsRefusal(spec) ?? backupRefusal(spec);
  if (changed) return stalled(ctx, live, changed, status.createdWith ? 'no member was touched' : 'no member was created');
  if (!status.createdWith) live = await patchStatus(ctx.client, EtcdClusterType, live, { createdWith: fixed });

  let tls: ClusterTls | undefined;
  try {
    tls = spec.tls ? await prepareTls(ctx, spec, name, namespace) : undefined;
  } catch (err) {
    if (err instanceof TlsSecretInvalid) return stalled(ctx, live, err.message, status.createdWith ? 'no member was touched' : 'no member was created');
    throw err;
  }
  const etcd = tls ? new EtcdClient(5000, tls.client) : plain;

  const observed = await observe(ctx.client, etcd, namespace, name, Boolean(tls));
  const state = (t: { size: number; version: string }): ClusterState => ({
    target: t,
    pods: observed.pods,
    claims: observed.claims,
    etcd: observed.etcd,
    formed: Boolean(status.clusterID),
    knownMembers: (status.members ?? []).map((m) => m.name).filter(Boolean),
    snapshotFor: status.lastSnapshot?.forVersion,
    ephemeral: choices.ephemeral,
    certificates: tls && (tls.shared ? new Map([...observed.pods.keys()].map((m) => [m, tls.shared!])) : tls.revisions),
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
    // Before the step, which may issue a certificate for a member the observed state does not know yet.
    if (tls) await pruneMemberSecrets(ctx, tls, namespace, observed);
    await execute(step, { ctx, etcd, observed, namespace, name, uid: cluster.metadata.uid!, spec, target, update, tls, cluster: live as typeof EtcdClusterType.types.object & KubeObject });
    refusedSince.delete(cluster.metadata.uid!);
  } catch (err) {
    if (!(err instanceof EtcdError)) throw err;
    // etcd refusing a step (a learner not in sync yet, an unhealthy cluster right after a restart) is retried, not failed.
    outcome = { kind: 'wait', phase: step.phase, why: `${step.why}: ${err.message}; retrying` };
    await unstickLeader(err, ctx, etcd, observed, cluster.metadata.uid!);
  }
  const report = clusterStatus({ step: outcome, observed, target, wanted, refusal, previous: status, update });
  // Compared with the live object read above, so a lagging cache can neither skip nor undo a write.
  live = await updateStatus(ctx.client, EtcdClusterType, live, report.conditions, report.fields);
  const untilBackup = report.fields['clusterID'] ? await reconcileSchedule(ctx, live as typeof EtcdClusterType.types.object & KubeObject) : undefined;
  const soonest = Math.max(1000, Math.min(tls ? tls.renewAt - Date.now() : Infinity, untilBackup ?? Infinity));
  if (outcome.kind === 'converged') return { requeueAfter: Math.min(requeue.converged, soonest) };
  return { requeueAfter: Math.min(outcome.kind === 'wait' ? requeue.waiting : requeue.afterStep, soonest) };
}

/** Why the spec changes a choice the cluster was created with, or undefined. */
function choiceRefusal(fixed: { tls: boolean; ephemeral: boolean }, wanted: { tls: boolean; ephemeral: boolean }): string | undefined {
  if (fixed.tls !== wanted.tls) {
    return fixed.tls
      ? 'spec.tls: the cluster was created with TLS, which cannot be turned off on a running cluster (its members\' URLs would change scheme); set spec.tls back'
      : 'spec.tls: the cluster was created without TLS, which cannot be turned on on a running cluster (its members\' URLs would change scheme); remove spec.tls, or restore a snapshot into a new cluster with TLS';
  }
  if (fixed.ephemeral !== wanted.ephemeral) return `spec.storage.ephemeral: the cluster was created with ${fixed.ephemeral ? 'ephemeral' : 'claim-backed'} storage, which cannot change; set it back, or restore a snapshot into a new cluster`;
  return undefined;
}

/** Why the backup schedule cannot be used, or undefined. */
function backupRefusal(spec: typeof EtcdClusterType.types.view): string | undefined {
  if (!spec.backup) return undefined;
  try {
    parseCron(spec.backup.schedule);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return `spec.backup.schedule: ${err.message}`;
    throw err;
  }
}

/** Why the TLS settings cannot be used, or undefined. */
function tlsRefusal(spec: typeof EtcdClusterType.types.view): string | undefined {
  if (!spec.tls) return undefined;
  const lifetime = parseDuration(spec.tls.certificateDuration);
  if (lifetime < 60_000) return `spec.tls.certificateDuration: "${spec.tls.certificateDuration}" is shorter than 1m; certificates are renewed two thirds into their lifetime by restarting members, which needs time`;
  return undefined;
}

/** Why the spec cannot become the target, or undefined. */
function specRefusal(target: { size: number; version: string }, wanted: { size: number; version: string }): string | undefined {
  if (wanted.version === target.version) return undefined;
  const why = upgradeRefusal(target.version, wanted.version);
  return why ? `spec.version: ${why}` : undefined;
}

/** Refuses the spec: a Stalled condition naming the field, and nothing else done. */
async function stalled(ctx: ReconcileContext, live: KubeObject, message: string, consequence: string): Promise<Result> {
  const formed = Boolean(EtcdClusterType.view(live).status?.clusterID);
  await updateStatus(ctx.client, EtcdClusterType, live, [
    { type: 'Stalled', status: 'True', reason: 'InvalidSpec', message: `${message}; ${consequence}` },
    { type: 'Ready', status: 'False', reason: 'InvalidSpec', message },
  ], formed ? {} : { phase: 'Failed' });
  // A missing Secret may be created later, and a spec edit reconciles at once.
  return { requeueAfter: requeue.converged };
}
