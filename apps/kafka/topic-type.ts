import { Type } from '@sinclair/typebox';
import { Defaulted, defineCustomResource } from '../../src/constructs/schema/index.js';

/**
 * A KafkaTopic: a topic of a KafkaCluster in the same namespace, reconciled through Kafka's Admin API.
 * Partitions only grow; deleting the resource keeps the topic's data unless `deletionPolicy` is `Delete`.
 */
export const KafkaTopicType = defineCustomResource({
  group: 'kafka.capstan.dev',
  version: 'v1alpha1',
  kind: 'KafkaTopic',
  plural: 'kafkatopics',
  shortNames: ['kt'],
  categories: ['capstan'],
  description: 'A Kafka topic: partitions, replication factor and topic configuration.',
  spec: Type.Object({
    cluster: Type.String({ minLength: 1, description: 'Name of the KafkaCluster in this namespace.' }),
    topicName: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9._-]{1,249}$', description: 'Topic name in Kafka. @default the resource name' })),
    partitions: Defaulted(Type.Integer({ minimum: 1, maximum: 10000, description: 'Partition count; it can grow, never shrink.' }), 1),
    replicationFactor: Defaulted(Type.Integer({ minimum: 1, maximum: 32, description: 'Replicas of each partition; at most the cluster\'s broker count.' }), 3),
    config: Defaulted(Type.Record(Type.String(), Type.String(), { description: 'Topic configuration, e.g. min.insync.replicas, retention.ms.' }), {}),
    deletionPolicy: Defaulted(Type.Union([Type.Literal('Retain'), Type.Literal('Delete')], { description: '`Retain` (default) keeps the topic and its data in Kafka when this resource is deleted; `Delete` deletes the topic.' }), 'Retain'),
  }),
  status: Type.Object({
    topicId: Type.Optional(Type.String({ description: 'Kafka\'s id of the topic.' })),
    topicName: Type.Optional(Type.String()),
    partitions: Type.Optional(Type.Integer({ minimum: 0 })),
    replicationFactor: Type.Optional(Type.Integer({ minimum: 0 })),
    underReplicatedPartitions: Type.Optional(Type.Integer({ minimum: 0, description: 'Partitions whose in-sync replicas are fewer than their replicas.' })),
    inSync: Type.Optional(Type.Boolean({ description: 'Whether every partition has all its replicas in sync.' })),
  }),
  readyCondition: 'Ready',
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.cluster' },
    { name: 'Partitions', type: 'integer', jsonPath: '.status.partitions' },
    { name: 'RF', type: 'integer', jsonPath: '.spec.replicationFactor' },
    { name: 'In-Sync', type: 'boolean', jsonPath: '.status.inSync' },
  ],
});
