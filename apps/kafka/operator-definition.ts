import { defineOperator } from '../../src/constructs/schema/index.js';
import { KafkaClusterType } from './cluster-type.js';
import { KafkaTopicType } from './topic-type.js';

/** The `kafka` operator: it reconciles KafkaClusters and KafkaTopics and owns their pods, claims, Services and ConfigMaps. */
export const kafkaOperator = defineOperator({
  name: 'kafka',
  reconciles: [KafkaClusterType, KafkaTopicType],
  owns: [
    { apiVersion: 'v1', kind: 'Pod' },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
    { apiVersion: 'v1', kind: 'Service' },
    { apiVersion: 'v1', kind: 'ConfigMap' },
  ],
  resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '384Mi' } },
});
