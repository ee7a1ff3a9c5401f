import type { ConditionInput } from '../../../src/controller/index.js';
import type { EtcdClusterType } from '../etcd-cluster-type.js';
import { hexId } from './etcd-client.js';
import { quorum } from './names.js';
import type { Observed } from './observe.js';
import type { Step } from './plan.js';
import { compareVersions } from './versions.js';

type Status = typeof EtcdClusterType.types.status;

/** Status fields a step itself produced (a snapshot's record). */
export interface StatusUpdate {
  lastSnapshot?: NonNullable<Status['lastSnapshot']>;
}

/** What the status is computed from. */
export interface StatusInput {
  step: Step;
  observed: Observed;
  target: { size: number; version: string };
  wanted: { size: number; version: string };
  /** Why the spec cannot be adopted, if it cannot. */
  refusal: string | undefined;
  previous: Status;
  update: StatusUpdate;
}

const reasons: Record<string, string> = {
  Creating: 'Creating', Scaling: 'Scaling', Replacing: 'MemberReplacing', Upgrading: 'Upgrading', RenewingCertificates: 'CertificateRenewal', QuorumLost: 'QuorumLost', Degraded: 'MembersUnhealthy', Running: 'Converged',
};

/** The conditions (Available, Progressing, Degraded, Ready, Stalled, EvenSize) and fields the status reports. */
export function clusterStatus(input: StatusInput): { conditions: ConditionInput[]; fields: Record<string, unknown> } {
  const { step, observed, target, wanted, refusal, previous } = input;
  const etcd = observed.etcd;
  // With no member answering, the last known members stay listed (unhealthy): they are what comes back.
  const members = !etcd ? (previous.members ?? []).map((m) => ({ ...m, leader: false, healthy: false })) : etcd.members.map((m) => {
    const health = etcd.health.get(m.id);
    return {
      name: m.name, id: hexId(m.id), peerURL: m.peerURLs[0] ?? '', ...(m.clientURLs[0] ? { clientURL: m.clientURLs[0] } : {}),
      ...(health ? { version: health.version } : {}), learner: m.isLearner, leader: m.id === etcd.leaderId, healthy: Boolean(health),
    };
  }).sort((a, b) => (a.name || a.peerURL).localeCompare(b.name || b.peerURL));
  const voters = members.filter((m) => !m.learner);
  const healthyVoters = voters.filter((m) => m.healthy).length;
  const available = Boolean(etcd) && healthyVoters >= quorum(voters.length) && voters.length > 0;
  const versions = members.map((m) => m.version).filter((v): v is string => Boolean(v));
  const current = versions.length ? versions.reduce((a, b) => (compareVersions(a, b) <= 0 ? a : b)) : previous.currentVersion;
  const converged = step.kind === 'converged';
  const pending = JSON.stringify(target) !== JSON.stringify(wanted) && !refusal;
  const reason = reasons[step.phase] ?? step.phase;
  const unhealthy = members.filter((m) => !m.healthy).map((m) => m.name || m.peerURL);

  const conditions: ConditionInput[] = [
    available
      ? { type: 'Available', status: 'True', reason: 'QuorumHealthy', message: `${healthyVoters} of ${voters.length} voting members healthy` }
      : { type: 'Available', status: 'False', reason: etcd || previous.clusterID ? 'QuorumLost' : 'Creating', message: step.why },
    converged && !pending
      ? { type: 'Progressing', status: 'False', reason: 'Converged', message: step.why }
      : { type: 'Progressing', status: 'True', reason: converged ? 'SpecChanged' : reason, message: pending && !converged ? `${step.why}; the new spec waits for this step to finish` : step.why },
    step.phase === 'QuorumLost' || unhealthy.length
      ? { type: 'Degraded', status: 'True', reason: step.phase === 'QuorumLost' ? 'QuorumLost' : 'MembersUnhealthy', message: unhealthy.length ? `unhealthy: ${unhealthy.join(', ')}` : step.why }
      : { type: 'Degraded', status: 'False', reason: 'AllMembersHealthy' },
    refusal
      ? { type: 'Stalled', status: 'True', reason: 'InvalidSpec', message: `${refusal}; the cluster stays at ${target.version} and no member was touched` }
      : { type: 'Stalled', status: 'False', reason: 'SpecAccepted' },
    converged && !pending && !refusal
      ? { type: 'Ready', status: 'True', reason: 'Converged', message: step.why }
      : { type: 'Ready', status: 'False', reason: refusal ? 'InvalidSpec' : reason, message: refusal ?? step.why },
    wanted.size % 2 === 0
      ? { type: 'EvenSize', status: 'True', reason: 'EvenSize', message: `${wanted.size} members tolerate as many failures as ${wanted.size - 1}; an odd size is cheaper for the same safety` }
      : { type: 'EvenSize', status: 'False', reason: 'OddSize' },
  ];
  const fields: Record<string, unknown> = {
    phase: step.phase,
    members,
    readyMembers: healthyVoters,
    targetVersion: target.version,
    observed: target,
    ...(current ? { currentVersion: current } : {}),
    ...(etcd && etcd.clusterId !== '0' ? { clusterID: hexId(etcd.clusterId) } : previous.clusterID ? { clusterID: previous.clusterID } : {}),
    ...(input.update.lastSnapshot ? { lastSnapshot: input.update.lastSnapshot } : {}),
  };
  return { conditions, fields };
}
