import { customResourceClass } from '../../src/constructs/index.js';
import { KafkaClusterType } from './cluster-type.js';
import { kafkaOperator } from './operator-definition.js';

/** `new KafkaCluster(chart, 'events', { brokers: 3 })`: the cluster, its CRD and the `kafka` operator that runs it. */
export class KafkaCluster extends customResourceClass(KafkaClusterType, kafkaOperator) {}
