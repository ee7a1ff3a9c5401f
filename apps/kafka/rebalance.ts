import type { PartitionMove } from './admin/requests.js';

/** Where one partition's replicas are now (the first is its preferred leader). */
export interface Placement {
  topic: string;
  partition: number;
  replicas: number[];
}

/**
 * The moves that put every replica on one of `brokers` and even out the replica count per broker to
 * within one, moving as few replicas as it can: a replica on a broker being removed goes to the least
 * loaded broker that does not hold that partition yet; then, while the most loaded broker has two
 * more replicas than the least loaded, one replica moves between them. Each replica keeps its
 * position, so a partition's preferred leader moves only with the replica that was it. Partitions
 * with more replicas than there are brokers are left alone.
 */
export function planMoves(placements: readonly Placement[], brokers: readonly number[]): PartitionMove[] {
  const allowed = new Set(brokers);
  const sorted = [...placements].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const target = new Map(sorted.map((p) => [`${p.topic}\u0000${p.partition}`, [...p.replicas]]));
  const load = new Map(brokers.map((b) => [b, 0]));
  for (const replicas of target.values()) for (const r of replicas) if (load.has(r)) load.set(r, load.get(r)! + 1);

  const leastLoaded = (exclude: readonly number[]): number | undefined =>
    [...load.entries()].filter(([b]) => !exclude.includes(b)).sort((a, b) => a[1] - b[1] || a[0] - b[0])[0]?.[0];

  for (const replicas of target.values()) {
    if (replicas.length > allowed.size) continue;
    replicas.forEach((r, i) => {
      if (allowed.has(r)) return;
      const to = leastLoaded(replicas);
      if (to === undefined) return;
      replicas[i] = to;
      load.set(to, load.get(to)! + 1);
    });
  }

  for (let guard = 0; guard < 10_000; guard++) {
    const byLoad = [...load.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const [min, minLoad] = byLoad[0] ?? [0, 0];
    const [max, maxLoad] = byLoad[byLoad.length - 1] ?? [0, 0];
    if (maxLoad - minLoad <= 1) break;
    const candidate = [...target.values()].find((replicas) => replicas.includes(max) && !replicas.includes(min));
    if (!candidate) break;
    candidate[candidate.indexOf(max)] = min;
    load.set(max, maxLoad - 1);
    load.set(min, minLoad + 1);
  }

  const moves: PartitionMove[] = [];
  for (const p of sorted) {
    const replicas = target.get(`${p.topic}\u0000${p.partition}`)!;
    if (replicas.join(',') !== p.replicas.join(',')) moves.push({ topic: p.topic, partition: p.partition, replicas });
  }
  return moves;
}

/** Whether any replica sits on a broker outside `brokers`, or the per-broker replica counts differ by more than one. */
export function needsRebalance(placements: readonly Placement[], brokers: readonly number[]): boolean {
  return planMoves(placements, brokers).length > 0;
}
