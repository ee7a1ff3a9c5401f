import { Type } from '@sinclair/typebox';
import { Defaulted, defineCustomResource } from '../../src/constructs/schema/index.js';
import { ownedConfigRules } from './owned-config.js';

const BrokerStatus = Type.Object({
  id: Type.Integer({ minimum: 0, description: 'The node.id.' }),
  pod: Type.String({ description: 'The pod running it.' }),
  roles: Type.String({ description: '`broker`, `controller` or `broker,controller`.' }),
  ready: Type.Boolean({ description: 'Whether the pod is Ready.' }),
  address: Type.Optional(Type.String({ description: 'host:port of its first client listener.' })),
});

const QuorumStatus = Type.Object({
  leader: Type.Optional(Type.Integer({ description: 'node.id of the active controller.' })),
  leaderEpoch: Type.Optional(Type.Integer()),
  voters: Type.Array(Type.Integer(), { description: 'node.ids of the voting controllers.' }),
  lag: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'Records each voter is behind the leader, by node.id.' })),
});

/**
 * A KafkaCluster: KRaft brokers and a controller quorum on pods with their own volumes. The `kafka`
 * operator formats each volume once with the cluster's id, starts the nodes, moves partitions when
 * brokers come and go, and restarts nodes one at a time when their configuration changes.
 */
export const KafkaClusterType = defineCustomResource({
  group: 'kafka.capstan.dev',
  version: 'v1alpha1',
  kind: 'KafkaCluster',
  plural: 'kafkaclusters',
  shortNames: ['kafka'],
  categories: ['capstan'],
  description: 'A Kafka cluster in KRaft mode: brokers, a controller quorum, their storage and configuration.',
  spec: Type.Object({
    version: Defaulted(Type.String({ pattern: '^4\\.[0-9]+\\.[0-9]+$', description: 'Kafka version (4.x); the image is apache/kafka:<version>.' }), '4.4.0'),
    brokers: Defaulted(Type.Integer({ minimum: 1, maximum: 32, description: 'Broker count. Scaling in moves every partition off the removed brokers first.' }), 3),
    controllers: Defaulted(Type.Object({
      count: Defaulted(Type.Union([Type.Literal(1), Type.Literal(3), Type.Literal(5)], { description: 'Voters of the controller quorum.' }), 3),
      mode: Defaulted(Type.Union([Type.Literal('combined'), Type.Literal('dedicated')], { description: '`combined`: the first brokers are also controllers; `dedicated`: controllers run in pods of their own.' }), 'combined'),
    }), { count: 3, mode: 'combined' }),
    storage: Defaulted(Type.Object({
      size: Defaulted(Type.String({ pattern: '^[0-9]+(Mi|Gi|Ti)$', description: 'Size of each node\'s PersistentVolumeClaim.' }), '1Gi'),
      storageClassName: Type.Optional(Type.String({ description: 'StorageClass of the claims; the cluster default when unset.' })),
    }), { size: '1Gi' }),
    resources: Defaulted(Type.Object({
      heap: Defaulted(Type.String({ pattern: '^[0-9]+[mMgG]$', description: 'JVM heap of each node (-Xms and -Xmx), e.g. 256m or 1g.' }), '1g'),
      requests: Type.Optional(Type.Object({ cpu: Type.Optional(Type.String()), memory: Type.Optional(Type.String()) })),
      limits: Type.Optional(Type.Object({ cpu: Type.Optional(Type.String()), memory: Type.Optional(Type.String()) })),
    }), { heap: '1g' }),
    config: Defaulted(Type.Record(Type.String(), Type.String(), {
      description: 'Broker properties. Keys the operator owns (node identity, quorum, listeners, log dirs) are refused.',
      'x-kubernetes-validations': ownedConfigRules(),
    }), {}),
    listeners: Defaulted(Type.Array(Type.Object({
      name: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$', description: 'Listener name, e.g. PLAINTEXT.' }),
      port: Type.Integer({ minimum: 1024, maximum: 65535 }),
    }), { minItems: 1, maxItems: 4, description: 'Client listeners (PLAINTEXT), advertised at each pod\'s address. INTERNAL (9091) and CONTROLLER (9093) are the operator\'s.' }), [{ name: 'PLAINTEXT', port: 9092 }]),
  }),
  status: Type.Object({
    clusterId: Type.Optional(Type.String({ description: 'The id every volume is formatted with.' })),
    bootstrap: Type.Optional(Type.String({ description: 'Bootstrap servers for clients, host:port,…' })),
    readyBrokers: Type.Optional(Type.Integer({ minimum: 0 })),
    brokers: Type.Optional(Type.Array(BrokerStatus)),
    quorum: Type.Optional(QuorumStatus),
    underReplicatedPartitions: Type.Optional(Type.Integer({ minimum: 0 })),
    operation: Type.Optional(Type.String({ description: 'The lifecycle step in progress, if any.' })),
  }),
  readyCondition: 'Ready',
  printerColumns: [
    { name: 'Version', type: 'string', jsonPath: '.spec.version' },
    { name: 'Brokers', type: 'integer', jsonPath: '.spec.brokers' },
    { name: 'Ready-Brokers', type: 'integer', jsonPath: '.status.readyBrokers' },
    { name: 'Leader', type: 'integer', jsonPath: '.status.quorum.leader' },
    { name: 'URP', type: 'integer', jsonPath: '.status.underReplicatedPartitions' },
    { name: 'Operation', type: 'string', jsonPath: '.status.operation', priority: 1 },
  ],
});
