import type { KubeObject } from '../../src/k8s/index.js';
import type { ClusterMetadata, QuorumDescription } from './admin/requests.js';
import type { ClusterIdentity } from './identity.js';
import type { KafkaClusterSpec, KafkaNode } from './layout.js';
import { underReplicated } from './restart-plan.js';

/** A lifecycle step in progress: why (a reason code) and what it is doing. */
export interface Step {
  reason: string;
  message: string;
}

type Pod = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[] } };

/** Whether a pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** `podIP:port`, or undefined before the pod has an IP. */
export function podAddress(pod: Pod, port: number): string | undefined {
  return pod.status?.podIP ? `${pod.status.podIP}:${port}` : undefined;
}

/** A voter fewer records than this behind the leader counts as caught up (within one fetch round). */
export const caughtUpRecords = 10;

/** What the status is computed from. */
export interface StatusInput {
  spec: KafkaClusterSpec;
  identity: ClusterIdentity;
  desired: readonly KafkaNode[];
  leaving: readonly KafkaNode[];
  pods: readonly Pod[];
  metadata: ClusterMetadata | undefined;
  quorum: QuorumDescription | undefined;
  step: Step | undefined;
  unreachable: string | undefined;
  generation: number | undefined;
}

/**
 * The KafkaCluster's status: its nodes, quorum and under-replicated partitions, and the conditions
 * Ready (serving, with every node current and every replica in sync), Progressing (a lifecycle step
 * is under way) and Degraded (replicas out of sync, or brokers unreachable, with no step to explain it).
 */
export function clusterStatus(input: StatusInput): { ready: boolean; conditions: { type: string; status: 'True' | 'False'; reason: string; message: string }[]; fields: Record<string, unknown> } {
  const { spec, metadata, quorum, step } = input;
  const brokers = [...input.desired, ...input.leaving].map((node) => {
    const pod = input.pods.find((p) => p.metadata.name === node.pod);
    const address = pod && node.roles.includes('broker') ? podAddress(pod, spec.listeners[0]!.port) : undefined;
    return { id: node.id, pod: node.pod, roles: node.roles.join(','), ready: pod ? isPodReady(pod) : false, ...(address ? { address } : {}) };
  });
  const readyBrokers = brokers.filter((b) => b.ready && b.roles.includes('broker')).length;
  const urp = metadata ? underReplicated(metadata.topics).length : undefined;
  const lag: Record<string, number> = {};
  if (quorum) {
    const leaderEnd = quorum.voters.find((v) => v.id === quorum.leader)?.logEndOffset ?? quorum.highWatermark;
    // The leader appends a record every half second even when idle, so a follower is always a few
    // records behind between fetches; that is reported as 0 rather than rewriting the status each time.
    for (const v of quorum.voters) {
      const behind = Math.max(0, leaderEnd - v.logEndOffset);
      lag[String(v.id)] = behind < caughtUpRecords ? 0 : behind;
    }
  }
  const allReady = brokers.every((b) => b.ready) && input.leaving.length === 0;
  const ready = !step && !input.unreachable && allReady && urp === 0 && quorum !== undefined && quorum.leader >= 0;
  const summary = `${readyBrokers}/${spec.brokers} brokers ready${quorum && quorum.leader >= 0 ? `, quorum leader ${quorum.leader}` : ''}${urp ? `, ${urp} under-replicated partitions` : ''}`;
  const degradedWhy = input.unreachable ?? (urp ? `${urp} partitions have replicas out of sync` : !step && !allReady ? 'some nodes are not ready' : undefined);
  const conditions = [
    ready
      ? { type: 'Ready', status: 'True' as const, reason: 'Running', message: summary }
      : { type: 'Ready', status: 'False' as const, reason: step?.reason ?? (input.unreachable ? 'BrokersUnreachable' : 'Starting'), message: step ? `${step.message}; ${summary}` : input.unreachable ?? summary },
    step
      ? { type: 'Progressing', status: 'True' as const, reason: step.reason, message: step.message }
      : { type: 'Progressing', status: 'False' as const, reason: ready ? 'Converged' : 'Waiting', message: summary },
    degradedWhy && !step
      ? { type: 'Degraded', status: 'True' as const, reason: input.unreachable ? 'BrokersUnreachable' : urp ? 'UnderReplicated' : 'NodesNotReady', message: degradedWhy }
      : { type: 'Degraded', status: 'False' as const, reason: 'Healthy', message: summary },
  ];
  const bootstrap = brokers.filter((b) => b.address && b.ready).map((b) => b.address).join(',');
  return {
    ready,
    conditions,
    fields: {
      clusterId: input.identity.clusterId,
      ...(bootstrap ? { bootstrap } : {}),
      readyBrokers,
      brokers,
      ...(quorum && quorum.leader >= 0 ? { quorum: { leader: quorum.leader, leaderEpoch: quorum.leaderEpoch, voters: quorum.voters.map((v) => v.id).sort((a, b) => a - b), lag } } : {}),
      ...(urp !== undefined ? { underReplicatedPartitions: urp } : {}),
      operation: step?.message ?? '',
    },
  };
}
