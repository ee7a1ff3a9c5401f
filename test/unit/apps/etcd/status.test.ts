import { describe, expect, it } from 'vitest';
import { clusterStatus, type StatusInput } from '../../../../apps/etcd/operator/status.js';
import type { Observed } from '../../../../apps/etcd/operator/observe.js';
import type { EtcdStatus } from '../../../../apps/etcd/operator/etcd-client.js';

const health = (id: string, leader: string): EtcdStatus => ({ version: '3.6.16', memberId: id, leader, clusterId: '255', revision: '1', raftIndex: '1', raftAppliedIndex: '1', isLearner: false, errors: [] });

function observed(down: string[] = [], reachable = true): Observed {
  const members = ['1', '2', '3'].map((id) => ({ id, name: `m${id}`, peerURLs: [`http://m${id}:2380`], clientURLs: [`http://m${id}:2379`], isLearner: false }));
  return {
    pods: new Map(), podObjects: new Map(), endpoints: new Map(), claims: new Set(),
    etcd: reachable ? { clusterId: '255', members, leaderId: '1', health: new Map(members.map((m) => [m.id, down.includes(m.id) ? undefined : health(m.id, '1')])) } : undefined,
  };
}

const base = (over: Partial<StatusInput>): StatusInput => ({
  step: { kind: 'converged', phase: 'Running', why: '3 healthy members at 3.6.16' },
  observed: observed(), target: { size: 3, version: '3.6.16' }, wanted: { size: 3, version: '3.6.16' }, refusal: undefined, previous: {}, update: {}, ...over,
});

const conditions = (input: StatusInput) => Object.fromEntries(clusterStatus(input).conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('EtcdCluster status', () => {
  it('reports a converged cluster Available and Ready, with ids in hex as strings', () => {
    const { fields } = clusterStatus(base({}));
    expect(conditions(base({}))).toMatchObject({ Available: 'True/QuorumHealthy', Progressing: 'False/Converged', Degraded: 'False/AllMembersHealthy', Ready: 'True/Converged', Stalled: 'False/SpecAccepted' });
    expect(fields).toMatchObject({ clusterID: 'ff', readyMembers: 3, currentVersion: '3.6.16', phase: 'Running' });
    expect((fields.members as { id: string; leader: boolean }[]).map((m) => [m.id, m.leader])).toEqual([['1', true], ['2', false], ['3', false]]);
  });

  it('keeps the last known members, unhealthy, when no member answers', () => {
    const previous = { clusterID: 'ff', members: [{ name: 'm1', id: '1', peerURL: 'p', learner: false, leader: true, healthy: true }] };
    const input = base({ observed: observed([], false), previous, step: { kind: 'wait', phase: 'QuorumLost', why: 'no member answers' } });
    expect(conditions(input)).toMatchObject({ Available: 'False/QuorumLost', Degraded: 'True/QuorumLost', Ready: 'False/QuorumLost' });
    expect(clusterStatus(input).fields.members).toEqual([{ name: 'm1', id: '1', peerURL: 'p', learner: false, leader: false, healthy: false }]);
  });

  it('says a new spec waits for the step in progress, and a refused one stalls', () => {
    const pending = base({ wanted: { size: 5, version: '3.6.16' }, step: { kind: 'remove', phase: 'Replacing', why: 'member m3 is broken', id: '3', member: 'm3' } });
    expect(clusterStatus(pending).conditions.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'MemberReplacing', message: 'member m3 is broken; the new spec waits for this step to finish' });
    const refused = base({ wanted: { size: 3, version: '3.5.0' }, refusal: 'spec.version: 3.6.16 → 3.5.0 is a downgrade' });
    expect(conditions(refused)).toMatchObject({ Stalled: 'True/InvalidSpec', Ready: 'False/InvalidSpec' });
  });
});
