import type { FlexibleRequest } from './connection.js';
import type { Reader, Writer } from './wire.js';

/** Raised when Kafka answers a request with an error code. */
export class KafkaApiError extends Error {
  constructor(readonly operation: string, readonly code: number, message: string | null) {
    super(`${operation} failed: ${errorNames[code] ?? `error ${code}`}${message ? ` (${message})` : ''}`);
    this.name = 'KafkaApiError';
  }
}

/** Names of the error codes these requests meet. */
const errorNames: Record<number, string> = {
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  7: 'REQUEST_TIMED_OUT',
  35: 'UNSUPPORTED_VERSION',
  37: 'INVALID_PARTITIONS',
  38: 'INVALID_REPLICATION_FACTOR',
  39: 'INVALID_REPLICA_ASSIGNMENT',
  41: 'NOT_CONTROLLER',
  42: 'INVALID_REQUEST',
  60: 'REASSIGNMENT_IN_PROGRESS',
  85: 'NO_REASSIGNMENT_IN_PROGRESS',
  102: 'BROKER_ID_NOT_REGISTERED',
};

/** One partition as the metadata names it. */
export interface PartitionMetadata {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

/** One topic as the metadata names it. */
export interface TopicMetadata {
  name: string;
  topicId: string;
  internal: boolean;
  error: number;
  partitions: PartitionMetadata[];
}

/** The cluster as a broker's metadata cache sees it: unfenced brokers and every topic. */
export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: { id: number; host: string; port: number }[];
  topics: TopicMetadata[];
}

const int32s = (r: Reader) => r.compactArray((x) => x.int32());

/** Metadata v12 (the first version with topic ids whose names may be null): all topics when `topics` is undefined. */
export function metadataRequest(topics?: readonly string[]): FlexibleRequest<ClusterMetadata> {
  return {
    apiKey: 3,
    apiVersion: 12,
    body: (w) => {
      w.compactArray(topics ?? null, (x, name) => x.uuid(Buffer.alloc(16)).compactString(name).tags());
      w.bool(false).bool(false).tags();
    },
    parse: (r) => {
      r.int32();
      const brokers = r.compactArray((x) => {
        const broker = { id: x.int32(), host: x.compactString() ?? '', port: x.int32() };
        x.compactString();
        x.tags();
        return broker;
      });
      const clusterId = r.compactString();
      const controllerId = r.int32();
      const parsed = r.compactArray((x): TopicMetadata => {
        const error = x.int16();
        const name = x.compactString() ?? '';
        const topicId = x.uuid();
        const internal = x.bool();
        const partitions = x.compactArray((p): PartitionMetadata => {
          p.int16();
          const partition = { partition: p.int32(), leader: p.int32(), replicas: [] as number[], isr: [] as number[], offline: [] as number[] };
          p.int32();
          partition.replicas = int32s(p);
          partition.isr = int32s(p);
          partition.offline = int32s(p);
          p.tags();
          return partition;
        });
        x.int32();
        x.tags();
        return { name, topicId, internal, error, partitions: partitions.sort((a, b) => a.partition - b.partition) };
      });
      r.tags();
      return { clusterId, controllerId, brokers, topics: parsed };
    },
  };
}

/** A voter or observer of the controller quorum. */
export interface QuorumReplica {
  id: number;
  logEndOffset: number;
}

/** The KRaft metadata quorum: its leader, voters and observers. */
export interface QuorumDescription {
  leader: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplica[];
  observers: QuorumReplica[];
}

/** DescribeQuorum v1 of the `__cluster_metadata` log (a broker forwards it to the active controller). */
export function describeQuorumRequest(): FlexibleRequest<QuorumDescription> {
  return {
    apiKey: 55,
    apiVersion: 1,
    body: (w) => {
      w.compactArray(['__cluster_metadata'], (x, name) => x.compactString(name).compactArray([0], (y, p) => y.int32(p).tags()).tags());
      w.tags();
    },
    parse: (r) => {
      const error = r.int16();
      if (error !== 0) throw new KafkaApiError('DescribeQuorum', error, null);
      const replica = (x: Reader): QuorumReplica => {
        const state = { id: x.int32(), logEndOffset: Number(x.int64()) };
        x.int64();
        x.int64();
        x.tags();
        return state;
      };
      const topics = r.compactArray((t) => {
        t.compactString();
        const partitions = t.compactArray((p) => {
          p.int32();
          const perror = p.int16();
          if (perror !== 0) throw new KafkaApiError('DescribeQuorum', perror, null);
          const leader = p.int32();
          const leaderEpoch = p.int32();
          const highWatermark = Number(p.int64());
          const voters = p.compactArray(replica);
          const observers = p.compactArray(replica);
          p.tags();
          return { leader, leaderEpoch, highWatermark, voters, observers };
        });
        t.tags();
        return partitions;
      });
      r.tags();
      const quorum = topics[0]?.[0];
      if (!quorum) throw new KafkaApiError('DescribeQuorum', -1, 'the answer names no metadata partition');
      return quorum;
    },
  };
}

/** A move of one partition onto `replicas` (the first is the preferred leader). */
export interface PartitionMove {
  topic: string;
  partition: number;
  replicas: number[];
}

/** AlterPartitionReassignments v0: starts the moves; the controller copies data in the background. */
export function alterPartitionReassignmentsRequest(moves: readonly PartitionMove[], timeoutMs = 30_000): FlexibleRequest<void> {
  const byTopic = new Map<string, PartitionMove[]>();
  for (const m of moves) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
  return {
    apiKey: 45,
    apiVersion: 0,
    body: (w) => {
      w.int32(timeoutMs);
      w.compactArray([...byTopic], (x, [topic, parts]) => {
        x.compactString(topic).compactArray(parts, (y, m) => y.int32(m.partition).compactArray(m.replicas, (z, id) => z.int32(id)).tags()).tags();
      });
      w.tags();
    },
    parse: (r) => {
      r.int32();
      const error = r.int16();
      const message = r.compactString();
      if (error !== 0) throw new KafkaApiError('AlterPartitionReassignments', error, message);
      const failures: string[] = [];
      r.compactArray((t) => {
        const topic = t.compactString();
        t.compactArray((p) => {
          const partition = p.int32();
          const code = p.int16();
          const why = p.compactString();
          p.tags();
          if (code !== 0) failures.push(`${topic}-${partition}: ${errorNames[code] ?? code}${why ? ` (${why})` : ''}`);
        });
        t.tags();
      });
      r.tags();
      if (failures.length) throw new KafkaApiError('AlterPartitionReassignments', -1, failures.join('; '));
    },
  };
}

/** A partition being moved: where its replicas are, and which are being added and removed. */
export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  adding: number[];
  removing: number[];
}

/** ListPartitionReassignments v0 of every partition. */
export function listPartitionReassignmentsRequest(timeoutMs = 10_000): FlexibleRequest<OngoingReassignment[]> {
  return {
    apiKey: 46,
    apiVersion: 0,
    body: (w) => void w.int32(timeoutMs).uvarint(0).tags(),
    parse: (r) => {
      r.int32();
      const error = r.int16();
      const message = r.compactString();
      if (error !== 0) throw new KafkaApiError('ListPartitionReassignments', error, message);
      const ongoing: OngoingReassignment[] = [];
      r.compactArray((t) => {
        const topic = t.compactString() ?? '';
        t.compactArray((p) => {
          ongoing.push({ topic, partition: p.int32(), replicas: int32s(p), adding: int32s(p), removing: int32s(p) });
          p.tags();
        });
        t.tags();
      });
      r.tags();
      return ongoing;
    },
  };
}

/** UnregisterBroker v0: forgets a stopped broker's registration. */
export function unregisterBrokerRequest(brokerId: number): FlexibleRequest<void> {
  return {
    apiKey: 64,
    apiVersion: 0,
    body: (w) => void w.int32(brokerId).tags(),
    parse: (r) => {
      r.int32();
      const error = r.int16();
      const message = r.compactString();
      r.tags();
      if (error !== 0) throw new KafkaApiError(`UnregisterBroker ${brokerId}`, error, message);
    },
  };
}
