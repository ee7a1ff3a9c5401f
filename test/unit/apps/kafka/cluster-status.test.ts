import { describe, expect, it } from 'vitest';
import { KafkaClusterType } from '../../../../apps/kafka/cluster-type.js';
import { clusterStatus, type StatusInput } from '../../../../apps/kafka/cluster-status.js';
import { desiredNodes } from '../../../../apps/kafka/layout.js';

const spec = KafkaClusterType.view({ apiVersion: 'kafka.capstan.dev/v1alpha1', kind: 'KafkaCluster', metadata: { name: 'events' }, spec: { brokers: 3 } }).spec;
const desired = desiredNodes('events', spec);
const pod = (name: string, ip: string, ready: boolean) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, status: { podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
const healthyTopics = [{ name: 'orders', topicId: 't', internal: false, error: 0, partitions: [{ partition: 0, leader: 0, replicas: [0, 1, 2], isr: [0, 1, 2], offline: [] }] }];

function input(overrides: Partial<StatusInput> = {}): StatusInput {
  return {
    spec, identity: { clusterId: 'cid', directoryIds: {}, formed: true }, desired, leaving: [],
    pods: desired.map((n, i) => pod(n.pod, `10.0.0.${i + 1}`, true)),
    metadata: { clusterId: 'cid', controllerId: 0, brokers: [], topics: healthyTopics },
    quorum: { leader: 1, leaderEpoch: 4, highWatermark: 100, voters: [{ id: 0, logEndOffset: 100 }, { id: 1, logEndOffset: 100 }, { id: 2, logEndOffset: 40 }], observers: [] },
    step: undefined, unreachable: undefined, generation: 1,
    ...overrides,
  };
}

const conditions = (s: ReturnType<typeof clusterStatus>) => Object.fromEntries(s.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('KafkaCluster status', () => {
  it('is Ready with every broker ready, a quorum leader and every replica in sync', () => {
    const status = clusterStatus(input());
    expect(status.ready).toBe(true);
    expect(conditions(status)).toEqual({ Ready: 'True/Running', Progressing: 'False/Converged', Degraded: 'False/Healthy' });
    expect(status.fields).toMatchObject({
      clusterId: 'cid', readyBrokers: 3, underReplicatedPartitions: 0, bootstrap: '10.0.0.1:9092,10.0.0.2:9092,10.0.0.3:9092',
      quorum: { leader: 1, leaderEpoch: 4, voters: [0, 1, 2], lag: { 0: 0, 1: 0, 2: 60 } },
    });
  });

  it('is Progressing, not Degraded, while a step runs', () => {
    const status = clusterStatus(input({ step: { reason: 'RollingRestart', message: 'restarting node 0' }, pods: [pod('events-broker-1', '10.0.0.2', true), pod('events-broker-2', '10.0.0.3', true)] }));
    expect(status.ready).toBe(false);
    expect(conditions(status)).toEqual({ Ready: 'False/RollingRestart', Progressing: 'True/RollingRestart', Degraded: 'False/Healthy' });
    expect(status.fields.operation).toBe('restarting node 0');
  });

  it('is Degraded when replicas are out of sync with no step to explain it, or when the brokers cannot be reached', () => {
    const urp = clusterStatus(input({ metadata: { clusterId: 'cid', controllerId: 0, brokers: [], topics: [{ ...healthyTopics[0]!, partitions: [{ partition: 0, leader: 0, replicas: [0, 1, 2], isr: [0, 1], offline: [] }] }] } }));
    expect(conditions(urp)).toMatchObject({ Ready: 'False/Starting', Degraded: 'True/UnderReplicated' });
    expect(urp.fields.underReplicatedPartitions).toBe(1);
    const down = clusterStatus(input({ metadata: undefined, quorum: undefined, unreachable: 'cannot reach the brokers' }));
    expect(conditions(down)).toMatchObject({ Ready: 'False/BrokersUnreachable', Degraded: 'True/BrokersUnreachable' });
  });
});
