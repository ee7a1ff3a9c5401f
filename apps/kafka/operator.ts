import type { Manager } from '../../src/controller/index.js';
import { ClusterAdmins } from './admin/cluster-admin.js';
import { registerClusterController } from './cluster-controller.js';
import { registerTopicController } from './topic-controller.js';

/** The `kafka` operator: KafkaCluster and KafkaTopic controllers sharing one admin client per cluster. */
export function registerKafka(manager: Manager): void {
  const admins = new ClusterAdmins();
  const caches = registerClusterController(manager, admins);
  registerTopicController(manager, caches, admins);
}
