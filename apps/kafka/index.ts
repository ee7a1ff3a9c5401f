export { KafkaCluster } from './kafka-cluster.js';
export { KafkaTopic } from './kafka-topic.js';
export { KafkaClusterType } from './cluster-type.js';
export { KafkaTopicType } from './topic-type.js';
export { kafkaOperator } from './operator-definition.js';
export { registerKafka } from './operator.js';
