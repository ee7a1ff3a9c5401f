import type { TopicMetadata } from './admin/requests.js';

/** A node whose pod runs an outdated configuration. */
export interface StaleNode {
  id: number;
  roles: readonly string[];
}

/**
 * The node to restart next: brokers that are not controllers first, then controllers that are not
 * the quorum leader, the active controller last (a restart of the leader forces an election, so it
 * happens once). Lowest id first within each group.
 */
export function nextRestart(stale: readonly StaleNode[], quorumLeader: number | undefined): StaleNode | undefined {
  const rank = (n: StaleNode) => (n.id === quorumLeader ? 2 : n.roles.includes('controller') ? 1 : 0);
  return [...stale].sort((a, b) => rank(a) - rank(b) || a.id - b.id)[0];
}

/** Partitions whose in-sync replicas are fewer than their replicas. */
export function underReplicated(topics: readonly TopicMetadata[]): { topic: string; partition: number }[] {
  return topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => ({ topic: t.name, partition: p.partition })));
}

/**
 * Why stopping broker `id` now would lose availability, or nothing when it is safe: each partition
 * where the broker is in sync and stopping it would leave fewer in-sync replicas than the topic's
 * `min.insync.replicas` (acks=all writes would then fail).
 */
export function restartBlockers(id: number, topics: readonly TopicMetadata[], minIsr: (topic: string) => number): string[] {
  const blockers: string[] = [];
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.replicas.length > 1 && p.isr.includes(id) && p.isr.length - 1 < minIsr(t.name)) blockers.push(`${t.name}-${p.partition} (in sync: ${p.isr.join(',')}, min.insync.replicas ${minIsr(t.name)})`);
    }
  }
  return blockers;
}
