import type { PartitionMove } from './admin/requests.js';

/** Where one partition's replicas are now (the first is its preferred leader). */
export interface Placement {
  topic: string;
  partition: number;
  replicas: number[];
}

/**
 * The moves that put every replica on one of `brokers` and spread each topic's replicas evenly,
 * moving as few replicas as it can. Topic by topic: a replica on a broker being removed goes to the
 * broker holding fewest of that topic's replicas (then fewest overall) that does not hold that
 * partition yet; then, while one broker holds two more of the topic's replicas than another, one
 * replica moves between them. Balancing each topic, not only the total, is what spreads a topic's
 * traffic over a new broker. Each replica keeps its position, so a partition's preferred leader
 * moves only with the replica that was it. Partitions with more replicas than brokers are left alone.
 */
export function planMoves(placements: readonly Placement[], brokers: readonly number[]): PartitionMove[] {
  const allowed = new Set(brokers);
  const sorted = [...placements].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const target = new Map(sorted.map((p) => [`${p.topic}\u0000${p.partition}`, [...p.replicas]]));
  const total = new Map(brokers.map((b) => [b, 0]));
  for (const replicas of target.values()) for (const r of replicas) if (total.has(r)) total.set(r, total.get(r)! + 1);
  const bump = (load: Map<number, number>, broker: number, by: number) => load.set(broker, load.get(broker)! + by);

  for (const topic of [...new Set(sorted.map((p) => p.topic))]) {
    const partitions = sorted.filter((p) => p.topic === topic).map((p) => target.get(`${p.topic}\u0000${p.partition}`)!).filter((r) => r.length <= allowed.size);
    const load = new Map(brokers.map((b) => [b, 0]));
    for (const replicas of partitions) for (const r of replicas) if (load.has(r)) bump(load, r, 1);
    const byLoad = () => [...load.entries()].sort((a, b) => a[1] - b[1] || total.get(a[0])! - total.get(b[0])! || a[0] - b[0]);

    for (const replicas of partitions) {
      replicas.forEach((r, i) => {
        if (allowed.has(r)) return;
        const to = byLoad().find(([b]) => !replicas.includes(b))?.[0];
        if (to === undefined) return;
        replicas[i] = to;
        bump(load, to, 1);
        bump(total, to, 1);
      });
    }

    for (let guard = 0; guard < 10_000; guard++) {
      const order = byLoad();
      const [min, minLoad] = order[0]!;
      const [max, maxLoad] = order[order.length - 1]!;
      if (maxLoad - minLoad <= 1) break;
      const candidate = partitions.find((replicas) => replicas.includes(max) && !replicas.includes(min));
      if (!candidate) break;
      candidate[candidate.indexOf(max)] = min;
      bump(load, max, -1);
      bump(load, min, 1);
      bump(total, max, -1);
      bump(total, min, 1);
    }
  }

  const moves: PartitionMove[] = [];
  for (const p of sorted) {
    const replicas = target.get(`${p.topic}\u0000${p.partition}`)!;
    if (replicas.join(',') !== p.replicas.join(',')) moves.push({ topic: p.topic, partition: p.partition, replicas });
  }
  return moves;
}
