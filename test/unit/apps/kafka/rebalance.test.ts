import { describe, expect, it } from 'vitest';
import { planMoves, type Placement } from '../../../../apps/kafka/rebalance.js';
import { nextRestart, restartBlockers, underReplicated } from '../../../../apps/kafka/restart-plan.js';
import type { TopicMetadata } from '../../../../apps/kafka/admin/requests.js';

/** `partitions` partitions of RF `rf` placed round-robin on `brokers`, as Kafka places a new topic. */
function roundRobin(topic: string, partitions: number, rf: number, brokers: number[]): Placement[] {
  return Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, replicas: Array.from({ length: rf }, (_, r) => brokers[(p + r) % brokers.length]!) }));
}

function apply(placements: Placement[], moves: ReturnType<typeof planMoves>): Placement[] {
  return placements.map((p) => ({ ...p, replicas: moves.find((m) => m.topic === p.topic && m.partition === p.partition)?.replicas ?? p.replicas }));
}

function loads(placements: Placement[], topic?: string): Map<number, number> {
  const load = new Map<number, number>();
  for (const p of placements) if (!topic || p.topic === topic) for (const r of p.replicas) load.set(r, (load.get(r) ?? 0) + 1);
  return load;
}

describe('partition moves', () => {
  it('moves each topic\'s replicas onto a new broker until every broker holds within one of the others', () => {
    const before = [...roundRobin('orders', 4, 3, [0, 1, 2]), ...roundRobin('__consumer_offsets', 50, 3, [0, 1, 2])];
    const moves = planMoves(before, [0, 1, 2, 3]);
    const after = apply(before, moves);
    for (const topic of ['orders', '__consumer_offsets']) {
      const load = loads(after, topic);
      expect([...load.keys()].sort()).toEqual([0, 1, 2, 3]);
      expect(Math.max(...load.values()) - Math.min(...load.values())).toBeLessThanOrEqual(1);
    }
    const total = loads(after);
    expect(Math.max(...total.values()) - Math.min(...total.values())).toBeLessThanOrEqual(2);
    expect(after.every((p) => new Set(p.replicas).size === p.replicas.length)).toBe(true);
    expect(moves.length).toBeLessThanOrEqual(Math.ceil(162 / 4) + 1);
    expect(planMoves(after, [0, 1, 2, 3])).toEqual([]);
  });

  it('moves every replica off a broker being removed, keeping the rest in place', () => {
    const before = roundRobin('orders', 8, 3, [0, 1, 2, 3]);
    const after = apply(before, planMoves(before, [0, 1, 2]));
    expect(after.every((p) => !p.replicas.includes(3))).toBe(true);
    for (const [i, p] of after.entries()) {
      for (const [slot, r] of before[i]!.replicas.entries()) if (r !== 3) expect(p.replicas[slot]).toBe(r);
    }
  });

  it('leaves a balanced placement and a partition wider than the brokers alone', () => {
    expect(planMoves(roundRobin('orders', 3, 3, [0, 1, 2]), [0, 1, 2])).toEqual([]);
    expect(planMoves([{ topic: 'wide', partition: 0, replicas: [0, 1, 2] }], [0, 1])).toEqual([]);
  });
});

describe('rolling restarts', () => {
  const topic = (name: string, partitions: { replicas: number[]; isr: number[] }[]): TopicMetadata => ({
    name, topicId: 'x', internal: false, error: 0, partitions: partitions.map((p, i) => ({ partition: i, leader: p.isr[0] ?? -1, offline: [], ...p })),
  });

  it('restarts brokers first, then controllers, the quorum leader last', () => {
    const stale = [{ id: 1, roles: ['broker', 'controller'] }, { id: 3, roles: ['broker'] }, { id: 0, roles: ['broker', 'controller'] }, { id: 2, roles: ['broker', 'controller'] }];
    expect(nextRestart(stale, 0)!.id).toBe(3);
    expect(nextRestart(stale.filter((n) => n.id !== 3), 0)!.id).toBe(1);
    expect(nextRestart([{ id: 0, roles: ['broker', 'controller'] }, { id: 2, roles: ['broker', 'controller'] }], 0)!.id).toBe(2);
    expect(nextRestart([], 0)).toBeUndefined();
  });

  it('will not stop a broker whose partitions would fall below min.insync.replicas', () => {
    const topics = [topic('orders', [{ replicas: [0, 1, 2], isr: [0, 1, 2] }, { replicas: [1, 2, 0], isr: [1, 2] }])];
    expect(underReplicated(topics)).toEqual([{ topic: 'orders', partition: 1 }]);
    expect(restartBlockers(0, topics, () => 2)).toEqual([]);
    expect(restartBlockers(1, topics, () => 2)).toEqual(['orders-1 (in sync: 1,2, min.insync.replicas 2)']);
    expect(restartBlockers(1, topics, () => 1)).toEqual([]);
  });
});
