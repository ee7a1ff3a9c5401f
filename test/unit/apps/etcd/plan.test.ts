import { describe, expect, it } from 'vitest';
import type { EtcdMember, EtcdStatus } from '../../../../apps/etcd/operator/etcd-client.js';
import { planStep, type ClusterState, type MemberPodState } from '../../../../apps/etcd/operator/plan.js';

const url = (n: string) => `http://${n}.c-peer.ns.svc:2380`;

function member(name: string, id: string, opts: { learner?: boolean; unstarted?: boolean } = {}): EtcdMember {
  return { id, name: opts.unstarted ? '' : name, peerURLs: [url(name)], clientURLs: [], isLearner: opts.learner ?? false };
}

function pod(name: string, over: Partial<MemberPodState> = {}): MemberPodState {
  return { name, bootstrap: 'member', version: '3.6.16', ready: true, deleting: false, restarts: 0, crashLooping: false, oomKilled: false, createdAt: `2026-01-01T00:00:0${name.slice(-1)}Z`, certificates: '', ...over };
}

function status(id: string, leader: string, version = '3.6.16'): EtcdStatus {
  return { version, memberId: id, leader, clusterId: '99', revision: '5', raftIndex: '9', raftAppliedIndex: '9', isLearner: false, errors: [] };
}

/** A cluster of members a1.. (ids 1..), every one healthy, led by id 1, unless told otherwise. */
function cluster(opts: { members: EtcdMember[]; pods?: MemberPodState[]; down?: string[]; leader?: string; size?: number; version?: string; versions?: Record<string, string>; snapshotFor?: string }): ClusterState {
  const leader = opts.leader ?? '1';
  const pods = opts.pods ?? opts.members.map((m) => pod(m.name || m.peerURLs[0]!.slice(7).split('.')[0]!));
  return {
    target: { size: opts.size ?? opts.members.length, version: opts.version ?? '3.6.16' },
    pods: new Map(pods.map((p) => [p.name, p])),
    claims: new Set(pods.map((p) => p.name)),
    etcd: {
      clusterId: '99',
      members: opts.members,
      health: new Map(opts.members.map((m) => [m.id, opts.down?.includes(m.id) ? undefined : status(m.id, leader, opts.versions?.[m.id])])),
      leaderId: leader,
    },
    formed: true,
    knownMembers: opts.members.map((m) => m.name),
    snapshotFor: opts.snapshotFor,
    ephemeral: false,
    certificates: undefined,
  };
}

const three = () => [member('a1', '1'), member('a2', '2'), member('a3', '3')];

describe('planStep: one step per reconcile, etcd\'s member list as the truth', () => {
  it('bootstraps a seed only when the cluster never formed and nothing exists', () => {
    const empty: ClusterState = { target: { size: 3, version: '3.6.16' }, pods: new Map(), claims: new Set(), etcd: undefined, formed: false, knownMembers: [], snapshotFor: undefined, ephemeral: false, certificates: undefined };
    expect(planStep(empty).kind).toBe('bootstrap');
    expect(planStep({ ...empty, formed: true }).kind).toBe('wait');
    expect(planStep({ ...empty, pods: new Map([['s', pod('s', { bootstrap: 'seed', ready: false })]]), claims: new Set(['s']) })).toMatchObject({ kind: 'wait', phase: 'Creating' });
  });

  it('restarts the seed with rejoin-safe flags, then grows by one learner at a time', () => {
    const seed = cluster({ members: [member('a1', '1')], pods: [pod('a1', { bootstrap: 'seed' })], size: 3 });
    expect(planStep(seed)).toMatchObject({ kind: 'recreatePod', member: 'a1' });
    expect(planStep(cluster({ members: [member('a1', '1')], size: 3 }))).toMatchObject({ kind: 'addLearner' });
  });

  it('finishes an interrupted add: a learner without a pod gets a join pod with the member list', () => {
    const s = cluster({ members: [member('a1', '1'), member('a2', '2', { learner: true, unstarted: true })], pods: [pod('a1')], size: 3 });
    s.claims = new Set(['a1']);
    expect(planStep(s)).toMatchObject({ kind: 'createPod', member: 'a2', bootstrap: 'join', initialCluster: `a1=${url('a1')},a2=${url('a2')}` });
  });

  it('never adds a second learner; promotes the learner once it runs with its own flags', () => {
    const joining = cluster({ members: [...three(), member('a4', '4', { learner: true })], pods: [pod('a1'), pod('a2'), pod('a3'), pod('a4', { bootstrap: 'join', ready: false })], size: 5 });
    expect(planStep(joining)).toMatchObject({ kind: 'recreatePod', member: 'a4' });
    const restarted = cluster({ members: [...three(), member('a4', '4', { learner: true })], pods: [pod('a1'), pod('a2'), pod('a3'), pod('a4', { ready: false })], size: 5 });
    expect(planStep(restarted)).toMatchObject({ kind: 'promote', id: '4' });
    const catchingUp = cluster({ members: [...three(), member('a4', '4', { learner: true })], down: ['4'], size: 5 });
    expect(planStep(catchingUp)).toMatchObject({ kind: 'wait', phase: 'Scaling' });
  });

  it('scales in by removing the newest follower, never the leader', () => {
    const five = [...three(), member('a4', '4'), member('a5', '5')];
    expect(planStep(cluster({ members: five, size: 3, leader: '5' }))).toMatchObject({ kind: 'remove', id: '4' });
    expect(planStep(cluster({ members: five, size: 3, leader: '1' }))).toMatchObject({ kind: 'remove', id: '5' });
  });

  it('deletes the pod and claim of a member etcd no longer lists', () => {
    const s = cluster({ members: three(), pods: [pod('a1'), pod('a2'), pod('a3'), pod('a9')] });
    expect(planStep(s)).toMatchObject({ kind: 'deleteMember', member: 'a9' });
  });

  it('restarts a member whose pod is gone on its claim, under the same id', () => {
    const s = cluster({ members: three(), pods: [pod('a1'), pod('a2')], down: ['3'] });
    s.claims = new Set(['a1', 'a2', 'a3']);
    expect(planStep(s)).toMatchObject({ kind: 'createPod', member: 'a3', bootstrap: 'member' });
  });

  it('replaces a crash-looping member by removing it first, but not an OOM-killed one, and not without quorum', () => {
    const broken = cluster({ members: three(), pods: [pod('a1'), pod('a2'), pod('a3', { ready: false, crashLooping: true, restarts: 3 })], down: ['3'] });
    expect(planStep(broken)).toMatchObject({ kind: 'remove', id: '3', phase: 'Replacing' });
    const oom = cluster({ members: three(), pods: [pod('a1'), pod('a2'), pod('a3', { ready: false, crashLooping: true, restarts: 5, oomKilled: true })], down: ['3'] });
    expect(planStep(oom)).toMatchObject({ kind: 'wait' });
    const twoDown = cluster({ members: three(), pods: [pod('a1'), pod('a2', { ready: false, crashLooping: true, restarts: 4 }), pod('a3', { ready: false, crashLooping: true, restarts: 3 })], down: ['2', '3'] });
    expect(planStep(twoDown)).toMatchObject({ kind: 'wait', phase: 'QuorumLost' });
  });

  it('makes no membership change while quorum is lost, and only brings pods back', () => {
    const lost = cluster({ members: three(), down: ['2', '3'], size: 5 });
    expect(planStep(lost)).toMatchObject({ kind: 'wait', phase: 'QuorumLost' });
    const silent: ClusterState = { ...cluster({ members: three() }), etcd: undefined, pods: new Map([['a1', pod('a1')]]) };
    expect(planStep(silent)).toMatchObject({ kind: 'createPod', member: 'a2', bootstrap: 'member', phase: 'QuorumLost' });
  });

  it('upgrades after a snapshot, followers first, moving leadership off the leader before it goes last', () => {
    const start = cluster({ members: three(), version: '3.7.3' });
    expect(planStep(start)).toMatchObject({ kind: 'snapshot' });
    const followers = cluster({ members: three(), version: '3.7.3', snapshotFor: '3.7.3' });
    expect(planStep(followers)).toMatchObject({ kind: 'recreatePod', member: 'a2', phase: 'Upgrading' });
    const leaderLeft = cluster({
      members: three(), version: '3.7.3', snapshotFor: '3.7.3', versions: { 2: '3.7.3', 3: '3.7.3' },
      pods: [pod('a1'), pod('a2', { version: '3.7.3' }), pod('a3', { version: '3.7.3' })],
    });
    expect(planStep(leaderLeft)).toMatchObject({ kind: 'moveLeader', to: '2' });
    const notReady = cluster({ members: three(), version: '3.7.3', snapshotFor: '3.7.3', pods: [pod('a1'), pod('a2', { version: '3.7.3', ready: false }), pod('a3')], versions: { 2: '3.7.3' } });
    expect(planStep(notReady)).toMatchObject({ kind: 'wait', phase: 'Upgrading' });
  });

  it('rolls renewed certificates one member at a time, followers first, without a snapshot or a membership change', () => {
    const renewed = new Map([['a1', 'new1'], ['a2', 'new2'], ['a3', 'old3']]);
    const pods = [pod('a1', { certificates: 'old1' }), pod('a2', { certificates: 'old2' }), pod('a3', { certificates: 'old3' })];
    const s = { ...cluster({ members: three(), pods }), certificates: renewed };
    expect(planStep(s)).toMatchObject({ kind: 'recreatePod', member: 'a2', phase: 'RenewingCertificates' });
    const onlyLeader = { ...cluster({ members: three(), pods: [pod('a1', { certificates: 'old1' }), pod('a2', { certificates: 'new2' }), pod('a3', { certificates: 'old3' })] }), certificates: renewed };
    expect(planStep(onlyLeader)).toMatchObject({ kind: 'moveLeader', to: '2' });
    const waiting = { ...cluster({ members: three(), pods: [pod('a1', { certificates: 'old1' }), pod('a2', { certificates: 'new2', ready: false }), pod('a3', { certificates: 'old3' })] }), certificates: renewed };
    expect(planStep(waiting)).toMatchObject({ kind: 'wait', phase: 'RenewingCertificates' });
    const done = { ...cluster({ members: three(), pods: [pod('a1', { certificates: 'new1' }), pod('a2', { certificates: 'new2' }), pod('a3', { certificates: 'old3' })] }), certificates: renewed };
    expect(planStep(done)).toMatchObject({ kind: 'converged' });
  });

  it('with ephemeral storage, keeps a joined member\'s pod and promotes it, and replaces a member whose pod is gone', () => {
    const joined = { ...cluster({ members: [member('a1', '1'), member('a2', '2', { learner: true })], pods: [pod('a1', { bootstrap: 'seed' }), pod('a2', { bootstrap: 'join' })], size: 2 }), ephemeral: true, claims: new Set<string>() };
    expect(planStep(joined)).toMatchObject({ kind: 'promote', id: '2' });
    const gone = { ...cluster({ members: three(), pods: [pod('a1'), pod('a3')], down: ['2'] }), ephemeral: true, claims: new Set<string>() };
    expect(planStep(gone)).toMatchObject({ kind: 'remove', id: '2', phase: 'Replacing' });
  });

  it('is converged when every member is healthy at the target', () => {
    expect(planStep(cluster({ members: three() }))).toMatchObject({ kind: 'converged', phase: 'Running' });
  });
});
