import os from 'node:os';
import path from 'node:path';
import { Kinds, refOf, type ReconcileContext } from '../../../src/controller/index.js';
import { isNotFound } from '../../../src/k8s/index.js';
import type { EtcdClusterType } from '../etcd-cluster-type.js';
import { EtcdError, hexId, type EtcdClient } from './etcd-client.js';
import { memberClaim, memberPod, type Bootstrap } from './member-pod.js';
import { claimName, newMemberName, peerURL } from './names.js';
import type { Observed } from './observe.js';
import { initialCluster, memberName, type Step } from './plan.js';
import type { StatusUpdate } from './status.js';

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

