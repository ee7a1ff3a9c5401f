import type { EtcdMember, EtcdStatus } from './etcd-client.js';
import type { Bootstrap } from './member-pod.js';
import { memberOfPeerURL, quorum } from './names.js';

/** A member pod as the plan needs it. */
export interface MemberPodState {
  name: string;
  bootstrap: Bootstrap;
  version: string;
  ready: boolean;
  deleting: boolean;
  /** Restarts of its etcd container. */
  restarts: number;
  /** The container is waiting to run again after exiting (CrashLoopBackOff), or exited last with this reason. */
  crashLooping: boolean;
  /** The last exit was an OOM kill: a resource problem, not a broken member. */
  oomKilled: boolean;
  createdAt: string;
  /** The fingerprint of the certificates it started with ('' without TLS). */
  certificates: string;
}

/** What etcd says, read from any member that answered. */
export interface EtcdView {
  clusterId: string;
  members: EtcdMember[];
  /** Per member id: its own status, or undefined when it did not answer. */
  health: Map<string, EtcdStatus | undefined>;
  /** Decimal id of the leader, '0' when none is known. */
  leaderId: string;
}

/** Everything one reconcile decides from. */
export interface ClusterState {
  target: { size: number; version: string };
  pods: Map<string, MemberPodState>;
  /** Members that have a data claim. */
  claims: Set<string>;
  /** Undefined when no member answered. */
  etcd: EtcdView | undefined;
  /** The cluster has formed once (its id is recorded): never bootstrap a new one again. */
  formed: boolean;
  /** Names of the members the status last recorded, for bringing pods back while quorum is lost. */
  knownMembers: string[];
  /** The version the last pre-upgrade snapshot was taken for. */
  snapshotFor: string | undefined;
  /** Data lives in the pod (`storage.ephemeral`): a pod that is gone took its member's data with it. */
  ephemeral: boolean;
  /** On a TLS cluster: member name → fingerprint of the certificates its pod must run with. */
  certificates: Map<string, string> | undefined;
}

/** Restarts after which a crash-looping member counts as broken and is replaced. */
export const brokenAfterRestarts = 3;

/** What the status says about the step. */
export type Phase = 'Creating' | 'Running' | 'Scaling' | 'Replacing' | 'Upgrading' | 'RenewingCertificates' | 'QuorumLost' | 'Degraded';

/** The one step a reconcile takes. */
export type Step =
  | { kind: 'bootstrap'; phase: Phase; why: string }
  | { kind: 'createPod'; phase: Phase; why: string; member: string; bootstrap: Bootstrap; initialCluster?: string }
  | { kind: 'recreatePod'; phase: Phase; why: string; member: string }
  | { kind: 'deleteMember'; phase: Phase; why: string; member: string }
  | { kind: 'addLearner'; phase: Phase; why: string }
  | { kind: 'promote'; phase: Phase; why: string; id: string; member: string }
  | { kind: 'remove'; phase: Phase; why: string; id: string; member: string }
  | { kind: 'moveLeader'; phase: Phase; why: string; to: string }
  | { kind: 'snapshot'; phase: Phase; why: string }
  | { kind: 'wait'; phase: Phase; why: string }
  | { kind: 'converged'; phase: 'Running'; why: string };

/** The member name of an etcd member: its published name, or (not started yet) the name its peer URL was made for. */
export function memberName(m: EtcdMember): string {
  return m.name || memberOfPeerURL(m.peerURLs[0] ?? '') || '';
}

/** `name=peerURL,…` of a member list, as `--initial-cluster` takes it. */
export function initialCluster(members: readonly EtcdMember[]): string {
  return members.map((m) => `${memberName(m)}=${m.peerURLs[0]}`).join(',');
}

/**
 * Whether a member has applied at least 90 % of the leader's log (etcd's own bar for promoting a
 * learner): restarting one that is still receiving a snapshot would cut the transfer off.
 */
function caughtUp(etcd: EtcdView, id: string): boolean {
  const own = etcd.health.get(id);
  const leader = etcd.health.get(etcd.leaderId);
  if (!own || !leader || id === etcd.leaderId) return true;
  return BigInt(own.raftAppliedIndex) * 10n >= BigInt(leader.raftIndex) * 9n;
}

function isBroken(pod: MemberPodState | undefined, started: boolean, hasClaim: boolean): string | undefined {
  if (!pod) return started && !hasClaim ? 'its pod and its data claim are gone' : undefined;
  if (pod.ready || pod.deleting || pod.oomKilled) return undefined;
  if (pod.crashLooping && pod.restarts >= brokenAfterRestarts) return `its etcd exited ${pod.restarts} times without becoming ready (lost or corrupt data)`;
  return undefined;
}

/**
 * The next step toward the target, following etcd's member list: pods are brought in line with the
 * members first, then one membership change (learner add, promote or remove) or one upgrade step is
 * taken, only while a quorum of voters is healthy. Pure: the reconciler does the I/O.
 */
export function planStep(s: ClusterState): Step {
  if (!s.etcd) return withoutEtcd(s);
  const { members, health, leaderId } = s.etcd;
  const byName = new Map(members.map((m) => [memberName(m), m]));
  const voters = members.filter((m) => !m.isLearner);
  const healthyVoters = voters.filter((m) => health.get(m.id));

  // 1. Pods follow members: every member has a pod (on its claim), nothing else has one.
  for (const m of members) {
    const name = memberName(m);
    const pod = s.pods.get(name);
    const started = m.name !== '';
    if (!pod && (s.claims.has(name) || !started)) {
      return started
        ? { kind: 'createPod', phase: 'Replacing', why: `member ${name} has no pod; restarting it on its data`, member: name, bootstrap: 'member' }
        : { kind: 'createPod', phase: 'Scaling', why: `member ${name} was added; starting its pod to join`, member: name, bootstrap: 'join', initialCluster: initialCluster(members) };
    }
  }
  for (const name of new Set([...s.pods.keys(), ...s.claims])) {
    if (!byName.has(name)) return { kind: 'deleteMember', phase: 'Scaling', why: `${name} is not a member of the cluster; deleting its pod and data`, member: name };
  }

  // 2. A member whose start flags still name its bootstrap is restarted with flags that cannot rejoin
  // without data. Not with ephemeral storage: a new pod has no data, and its old one keeps its
  // data (and so its identity) for as long as it exists.
  for (const m of s.ephemeral ? [] : members) {
    const pod = s.pods.get(memberName(m));
    const spare = m.isLearner || voters.length === 1 || healthyVoters.length - 1 >= quorum(voters.length);
    if (m.name && pod && pod.bootstrap !== 'member' && !pod.deleting && health.get(m.id) && spare && caughtUp(s.etcd, m.id)) {
      return { kind: 'recreatePod', phase: m.isLearner ? 'Scaling' : 'Creating', why: `member ${m.name} has joined; restarting it with flags that never rejoin without its data`, member: m.name };
    }
  }

  // 3. Quorum: no membership change without a healthy majority of voters.
  if (healthyVoters.length < quorum(voters.length)) {
    return { kind: 'wait', phase: 'QuorumLost', why: `only ${healthyVoters.length} of ${voters.length} voting members are healthy; quorum needs ${quorum(voters.length)}; no membership change until members return` };
  }

  // 4. Replace a broken member: remove it first (a dead voter still counts toward quorum), then grow back.
  for (const m of members) {
    const name = memberName(m);
    const broken = isBroken(s.pods.get(name), m.name !== '', s.claims.has(name));
    if (!broken || health.get(m.id)) continue;
    const remaining = voters.filter((v) => v.id !== m.id);
    if (!m.isLearner && remaining.filter((v) => health.get(v.id)).length < quorum(remaining.length)) {
      return { kind: 'wait', phase: 'Degraded', why: `member ${name} is broken (${broken}), but removing it would leave no healthy quorum` };
    }
    return { kind: 'remove', phase: 'Replacing', why: `member ${name} is broken (${broken}); removing it, a new member replaces it`, id: m.id, member: name };
  }

  // 5. A learner is promoted once it has its new flags; never a second one beside it.
  const learner = members.find((m) => m.isLearner);
  if (learner) {
    const pod = s.pods.get(memberName(learner));
    if (learner.name && health.get(learner.id) && (pod?.bootstrap === 'member' || s.ephemeral) && pod && !pod.deleting) {
      return { kind: 'promote', phase: 'Scaling', why: `learner ${learner.name} has started; promoting it to a voting member`, id: learner.id, member: learner.name };
    }
    return { kind: 'wait', phase: 'Scaling', why: `learner ${memberName(learner)} is starting` };
  }

  const unhealthy = members.filter((m) => !health.get(m.id)).map(memberName);
  // 6. Size: grow by one learner, or shrink by one follower.
  if (members.length < s.target.size) {
    if (unhealthy.length) return { kind: 'wait', phase: 'Scaling', why: `waiting for ${unhealthy.join(', ')} to be healthy before adding a member` };
    return { kind: 'addLearner', phase: s.formed && voters.length > 1 ? 'Scaling' : 'Creating', why: `${members.length} of ${s.target.size} members; adding one as a learner` };
  }
  if (members.length > s.target.size) {
    const victim = pickVictim(members, health, leaderId, s.pods);
    if (victim.id === leaderId) {
      const to = members.find((m) => m.id !== leaderId && health.get(m.id));
      if (to) return { kind: 'moveLeader', phase: 'Scaling', why: `member ${victim.name} leads; moving leadership before removing it`, to: to.id };
    }
    return { kind: 'remove', phase: 'Scaling', why: `${members.length} members, ${s.target.size} wanted; removing ${memberName(victim)}`, id: victim.id, member: memberName(victim) };
  }

  // 7. Upgrade, then certificate renewal: one member at a time, followers first, the leader last, each once all are healthy.
  const outdated = members.filter((m) => s.pods.get(memberName(m))?.version !== s.target.version);
  if (outdated.length) return rollStep(s, outdated, 'Upgrading', `upgrading to ${s.target.version}`, true);
  const stale = members.filter((m) => {
    const wanted = s.certificates?.get(memberName(m));
    return wanted !== undefined && s.pods.get(memberName(m))?.certificates !== wanted;
  });
  if (stale.length) return rollStep(s, stale, 'RenewingCertificates', 'restarting with its renewed certificate', false);
  if (unhealthy.length) return { kind: 'wait', phase: 'Degraded', why: `${unhealthy.join(', ')} not healthy` };
  return { kind: 'converged', phase: 'Running', why: `${members.length} healthy members at ${s.target.version}` };
}

/**
 * One step of a rolling restart of `outdated` members, each on its data: waits until every member is
 * healthy, ready and reports the version its pod runs; restarts a follower; moves leadership off the
 * leader before restarting it last. An upgrade takes a snapshot first.
 */
function rollStep(s: ClusterState, outdated: readonly EtcdMember[], phase: Phase, what: string, snapshotFirst: boolean): Step {
  const { members, health, leaderId } = s.etcd!;
  const notReady = members.filter((m) => !health.get(m.id) || !s.pods.get(memberName(m))?.ready).map(memberName);
  if (notReady.length) return { kind: 'wait', phase, why: `waiting for ${notReady.join(', ')} to be healthy and ready before the next member is restarted (${what})` };
  const lagging = members.filter((m) => health.get(m.id)!.version !== s.pods.get(memberName(m))!.version);
  if (lagging.length) return { kind: 'wait', phase, why: `waiting for ${lagging.map(memberName).join(', ')} to report its new version` };
  if (snapshotFirst && s.snapshotFor !== s.target.version) return { kind: 'snapshot', phase, why: `taking a snapshot before upgrading to ${s.target.version}` };
  const follower = outdated.find((m) => m.id !== leaderId);
  if (follower) return { kind: 'recreatePod', phase, why: `follower ${follower.name}: ${what}`, member: follower.name };
  const to = members.find((m) => m.id !== leaderId && !outdated.includes(m));
  if (to) return { kind: 'moveLeader', phase, why: `every follower is done (${what}); moving leadership off the leader before restarting it`, to: to.id };
  return { kind: 'recreatePod', phase, why: `the leader ${outdated[0]!.name}: ${what}`, member: outdated[0]!.name };
}

/** Without any member answering: bootstrap a seed if the cluster never formed; otherwise only bring known members' pods back. */
function withoutEtcd(s: ClusterState): Step {
  if (!s.formed) {
    if (s.pods.size === 0 && s.claims.size === 0) return { kind: 'bootstrap', phase: 'Creating', why: 'no member yet; starting a seed member that forms the cluster' };
    for (const name of s.claims) {
      if (!s.pods.has(name)) return { kind: 'createPod', phase: 'Creating', why: `seed ${name} has no pod; starting it again`, member: name, bootstrap: 'seed' };
    }
    return { kind: 'wait', phase: 'Creating', why: 'the seed member is starting' };
  }
  for (const name of s.knownMembers) {
    if (!s.pods.has(name) && s.claims.has(name)) {
      return { kind: 'createPod', phase: 'QuorumLost', why: `no member answers; restarting member ${name} on its data`, member: name, bootstrap: 'member' };
    }
  }
  return { kind: 'wait', phase: 'QuorumLost', why: 'no member answers; no membership change until members return' };
}

/** The member to remove on scale-in: an unhealthy one first, else the newest follower; the leader only when nothing else is left. */
function pickVictim(members: readonly EtcdMember[], health: Map<string, EtcdStatus | undefined>, leaderId: string, pods: Map<string, MemberPodState>): EtcdMember {
  const unhealthy = members.find((m) => !health.get(m.id));
  if (unhealthy) return unhealthy;
  const followers = members.filter((m) => m.id !== leaderId);
  const newest = (list: readonly EtcdMember[]) => [...list].sort((a, b) => (pods.get(memberName(b))?.createdAt ?? '').localeCompare(pods.get(memberName(a))?.createdAt ?? ''))[0];
  return newest(followers) ?? members[0]!;
}
