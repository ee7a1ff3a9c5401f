import os from 'node:os';
import path from 'node:path';
import { Kinds, refOf, type ReconcileContext } from '../../../src/controller/index.js';
import { isNotFound } from '../../../src/k8s/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { EtcdBackupType } from '../etcd-backup-type.js';
import type { EtcdClusterType } from '../etcd-cluster-type.js';
import { clusterBackup } from './backup-schedule.js';
import { EtcdError, hexId, type EtcdClient } from './etcd-client.js';
import { memberClaim, memberPod, type Bootstrap } from './member-pod.js';
import { claimName, newMemberName, peerURL } from './names.js';
import type { Observed } from './observe.js';
import { initialCluster, memberName, type Step } from './plan.js';
import type { StatusUpdate } from './status.js';
import { ensureMemberCertificate, memberSecretName, type ClusterTls } from './tls.js';

/** Where pre-upgrade snapshots are written: `CAPSTAN_ETCD_SNAPSHOT_DIR`, else a folder in the temp directory. */
function snapshotDir(): string {
  return process.env.CAPSTAN_ETCD_SNAPSHOT_DIR ?? path.join(os.tmpdir(), 'capstan-etcd-snapshots');
}

/** What taking a step needs. */
export interface Execution {
  ctx: ReconcileContext;
  etcd: EtcdClient;
  observed: Observed;
  namespace: string;
  name: string;
  uid: string;
  spec: typeof EtcdClusterType.types.view;
  target: { size: number; version: string };
  update: StatusUpdate;
  /** Undefined for a plaintext cluster. */
  tls: ClusterTls | undefined;
  cluster: typeof EtcdClusterType.types.object & KubeObject;
}

/** Takes one step: the only place that changes etcd's membership or the member pods. */
export async function execute(step: Step, x: Execution): Promise<void> {
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
    if (!x.spec.storage.ephemeral) await ctx.apply(Kinds.PersistentVolumeClaim, memberClaim(name, namespace, member, x.spec));
    const certificates = x.tls ? await ensureMemberCertificate(ctx, x.tls, name, namespace, member) : undefined;
    await ctx.apply(Kinds.Pod, memberPod({
      cluster: name, namespace, uid: x.uid, member, version: x.target.version, bootstrap, initialCluster: initial, spec: x.spec, restore: x.spec.bootstrap?.restore, certificates,
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
      await ctx.record({ reason: recreateReasons[step.phase] ?? 'RestartingMember', action: 'Delete', note: step.why });
      return deletePod(step.member);
    case 'deleteMember':
      await deletePod(step.member);
      await ctx.client.delete(refOf(Kinds.PersistentVolumeClaim, namespace, claimName(step.member))).catch(ignoreNotFound);
      if (x.tls && !x.spec.tls?.secrets) await ctx.client.delete(refOf(Kinds.Secret, namespace, memberSecretName(step.member))).catch(ignoreNotFound);
      return;
    case 'addLearner': {
      const member = newMemberName(name);
      const added = await etcd.memberAdd(leaderEndpoint(), peerURL(name, namespace, member, Boolean(x.tls)), true);
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
      if (x.spec.backup) return claimSnapshot(x);
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

/**
 * The pre-upgrade snapshot as an EtcdBackup into the backup claim: started by one pass, recorded by a
 * later one once it completed (the upgrade waits, since `snapshotFor` is set only then). A failed one
 * is deleted and taken again.
 */
async function claimSnapshot(x: Execution): Promise<void> {
  const { ctx, namespace, name } = x;
  const backupName = `${name}-before-${x.target.version.replace(/\./g, '-')}`;
  const backup = await ctx.client.get<typeof EtcdBackupType.types.object & KubeObject>(refOf(EtcdBackupType, namespace, backupName));
  if (!backup) {
    await ctx.apply(EtcdBackupType, clusterBackup(x.cluster, backupName, 'pre-upgrade'));
    return;
  }
  const status = backup.status ?? {};
  if (status.phase === 'Failed') {
    await ctx.record({ type: 'Warning', reason: 'SnapshotFailed', action: 'Snapshot', note: `the snapshot before upgrading to ${x.target.version} failed; taking it again` });
    await ctx.client.delete(refOf(EtcdBackupType, namespace, backupName), { preconditions: { uid: backup.metadata.uid! } }).catch(ignoreNotFound);
    return;
  }
  if (status.phase !== 'Completed') return;
  x.update.lastSnapshot = {
    revision: status.revision ?? '0', size: status.size ?? 0, sha256: status.sha256 ?? '', version: status.etcdVersion ?? '', forVersion: x.target.version,
    time: status.completionTime ?? new Date().toISOString(), path: `${backup.spec.claimName}/${status.file ?? ''}`,
  };
  await ctx.record({ reason: 'SnapshotTaken', action: 'Snapshot', note: `EtcdBackup ${backupName}: ${status.size} bytes, sha256 ${status.sha256}, before upgrading to ${x.target.version}` });
}

const recreateReasons: Partial<Record<Step['phase'], string>> = { Upgrading: 'UpgradingMember', RenewingCertificates: 'RenewingCertificate' };

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

