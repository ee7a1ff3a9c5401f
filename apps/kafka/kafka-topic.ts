import { customResourceClass } from '../../src/constructs/index.js';
import { kafkaOperator } from './operator-definition.js';
import { KafkaTopicType } from './topic-type.js';

/** `new KafkaTopic(chart, 'orders', { cluster: 'events', partitions: 6 })`: a topic of a KafkaCluster in the same namespace. */
export class KafkaTopic extends customResourceClass(KafkaTopicType, kafkaOperator) {}
