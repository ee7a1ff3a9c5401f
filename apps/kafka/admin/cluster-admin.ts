import kafkajs from 'kafkajs';
import { KafkaConnection, KafkaConnectionError } from './connection.js';
import {
  alterPartitionReassignmentsRequest, describeQuorumRequest, listPartitionReassignmentsRequest, metadataRequest, unregisterBrokerRequest,
  type ClusterMetadata, type OngoingReassignment, type PartitionMove, type QuorumDescription,
} from './requests.js';
import type { FlexibleRequest } from './connection.js';

/** kafkajs's resource type of a topic in DescribeConfigs/AlterConfigs. */
const TOPIC_RESOURCE = 2;
/** DescribeConfigs' source of a value set on the topic itself. */
const DYNAMIC_TOPIC_CONFIG = 1;

/**
 * The operator's door to one Kafka cluster.
 *
 * Topics and their configuration go through kafkajs (2.2.4): it is pure JavaScript for Node ≥ 14,
 * and its CreateTopics, CreatePartitions, DescribeConfigs, AlterConfigs and DeleteTopics versions are
 * all still served by Kafka 4 (checked against 4.4.0 brokers by the e2e tests). The maintained
 * alternatives do not fit: @platformatic/kafka needs Node ≥ 22, and @confluentinc/kafka-javascript
 * is a native librdkafka binding. kafkajs lacks the newer admin requests, so metadata with topic ids,
 * the quorum, partition reassignments and broker unregistration use our own small client of those
 * few flexible-version requests ({@link KafkaConnection}).
 */
export class ClusterAdmin {
  private readonly kafka: kafkajs.Kafka;
  private adminClient: kafkajs.Admin | undefined;
  private connection: KafkaConnection | undefined;
  private next = 0;

  constructor(readonly brokers: readonly string[]) {
    this.kafka = new kafkajs.Kafka({
      clientId: 'capstan-kafka-operator',
      brokers: [...brokers],
      connectionTimeout: 3000,
      requestTimeout: 15_000,
      retry: { retries: 2, initialRetryTime: 200 },
      logLevel: kafkajs.logLevel.NOTHING,
    });
  }

  private async admin(): Promise<kafkajs.Admin> {
    if (!this.adminClient) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.adminClient = admin;
    }
    return this.adminClient;
  }

  /** Sends a request to one broker, moving on to the next broker when one cannot be reached. */
  private async send<T>(request: FlexibleRequest<T>): Promise<T> {
    let lastError: unknown;
    for (let tried = 0; tried < this.brokers.length; tried++) {
      if (!this.connection) {
        const [host, port] = this.brokers[this.next % this.brokers.length]!.split(':');
        this.connection = new KafkaConnection(host!, Number(port));
      }
      try {
        return await this.connection.send(request);
      } catch (err) {
        if (!(err instanceof KafkaConnectionError)) throw err;
        lastError = err;
        this.connection.close();
        this.connection = undefined;
        this.next++;
      }
    }
    throw lastError;
  }

  /** Unfenced brokers and every topic with its partitions, replicas and ISR. */
  metadata(): Promise<ClusterMetadata> {
    return this.send(metadataRequest());
  }

  /** The controller quorum's leader, voters and their log end offsets. */
  quorum(): Promise<QuorumDescription> {
    return this.send(describeQuorumRequest());
  }

  /** Partition moves still copying. */
  reassignments(): Promise<OngoingReassignment[]> {
    return this.send(listPartitionReassignmentsRequest());
  }

  /** Starts moving partitions onto new replica sets. */
  reassign(moves: readonly PartitionMove[]): Promise<void> {
    return this.send(alterPartitionReassignmentsRequest(moves));
  }

  /** Forgets a stopped broker. */
  unregister(brokerId: number): Promise<void> {
    return this.send(unregisterBrokerRequest(brokerId));
  }

  /** Creates a topic with its configuration; resolves when its partitions have leaders. */
  async createTopic(topic: string, partitions: number, replicationFactor: number, config: Readonly<Record<string, string>>): Promise<void> {
    await (await this.admin()).createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries: Object.entries(config).map(([name, value]) => ({ name, value })) }],
      waitForLeaders: true,
    });
  }

  /** Raises a topic's partition count. */
  async createPartitions(topic: string, count: number): Promise<void> {
    await (await this.admin()).createPartitions({ topicPartitions: [{ topic, count }] });
  }

  /** The configuration set on each topic itself (not broker defaults). */
  async topicConfigs(topics: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const result = new Map<string, Record<string, string>>();
    if (topics.length === 0) return result;
    const described = await (await this.admin()).describeConfigs({ resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name })), includeSynonyms: false });
    for (const resource of described.resources) {
      const entries: Record<string, string> = {};
      for (const e of resource.configEntries) if ((e as { configSource?: number }).configSource === DYNAMIC_TOPIC_CONFIG) entries[e.configName] = e.configValue;
      result.set(resource.resourceName, entries);
    }
    return result;
  }

  /** Sets a topic's configuration to exactly `config`: keys left out return to the broker defaults (AlterConfigs replaces the set). */
  async setTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<void> {
    await (await this.admin()).alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC_RESOURCE, name: topic, configEntries: Object.entries(config).map(([name, value]) => ({ name, value })) }],
    });
  }

  /** Deletes a topic and its data. */
  async deleteTopic(topic: string): Promise<void> {
    await (await this.admin()).deleteTopics({ topics: [topic], timeout: 15_000 });
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.connection?.close();
    this.connection = undefined;
    await this.adminClient?.disconnect().catch(() => undefined);
    this.adminClient = undefined;
  }
}

/** One {@link ClusterAdmin} per cluster, replaced when its brokers' addresses change. */
export class ClusterAdmins {
  private readonly admins = new Map<string, ClusterAdmin>();

  /** The admin of cluster `key` for these broker addresses. */
  get(key: string, brokers: readonly string[]): ClusterAdmin {
    const existing = this.admins.get(key);
    if (existing && existing.brokers.join(',') === brokers.join(',')) return existing;
    void existing?.close();
    const admin = new ClusterAdmin(brokers);
    this.admins.set(key, admin);
    return admin;
  }

  /** Closes and forgets the admin of cluster `key`. */
  async forget(key: string): Promise<void> {
    await this.admins.get(key)?.close();
    this.admins.delete(key);
  }
}
