import { controllerPort, internalPort, nodeHost, quorumBootstrap, type KafkaClusterSpec, type KafkaNode } from './layout.js';

/** Where each pod keeps its data volume; the log dir is a folder inside it. */
export const dataMountPath = '/var/lib/kafka/data';
/** Where each pod reads its server.properties. */
export const configMountPath = '/etc/kafka/capstan';

/**
 * Replication defaults that fit the broker count (Kafka's own defaults assume 3 brokers for internal
 * topics): internal topics and new topics get up to 3 replicas, and writes with acks=all need all but one.
 */
export function replicationDefaults(brokers: number): Record<string, string> {
  const rf = Math.min(3, brokers);
  const minIsr = String(Math.max(1, rf - 1));
  return {
    'default.replication.factor': String(rf),
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': String(rf),
    'transaction.state.log.replication.factor': String(rf),
    'transaction.state.log.min.isr': minIsr,
    'share.coordinator.state.topic.replication.factor': String(rf),
    'share.coordinator.state.topic.min.isr': minIsr,
  };
}

/**
 * The server.properties of one node: the operator's keys (identity, quorum, listeners, log dir),
 * over the replication defaults, over the user's `config`. The file advertises the node's stable
 * name (the storage tool validates it); the broker itself is started with its pod IP advertised
 * instead (`--override`), which only the pod knows and which clients outside cluster DNS can dial.
 */
export function nodeProperties(cluster: string, namespace: string, spec: KafkaClusterSpec, node: KafkaNode, nodes: readonly KafkaNode[]): Record<string, string> {
  const host = nodeHost(cluster, namespace, node.pod);
  const broker = node.roles.includes('broker');
  const controller = node.roles.includes('controller');
  const listeners = [
    ...(broker ? spec.listeners.map((l) => `${l.name}://0.0.0.0:${l.port}`) : []),
    ...(broker ? [`INTERNAL://0.0.0.0:${internalPort}`] : []),
    ...(controller ? [`CONTROLLER://0.0.0.0:${controllerPort}`] : []),
  ];
  const protocols = ['CONTROLLER:PLAINTEXT', 'INTERNAL:PLAINTEXT', ...spec.listeners.map((l) => `${l.name}:PLAINTEXT`)];
  const owned: Record<string, string> = {
    'process.roles': node.roles.join(','),
    'node.id': String(node.id),
    'controller.quorum.bootstrap.servers': quorumBootstrap(cluster, namespace, nodes),
    'controller.listener.names': 'CONTROLLER',
    'listeners': listeners.join(','),
    'listener.security.protocol.map': protocols.join(','),
    'inter.broker.listener.name': 'INTERNAL',
    'log.dirs': `${dataMountPath}/kraft`,
    'advertised.listeners': advertisedListeners(spec, node, host).replace(/\$\(POD_IP\)/g, host),
  };
  // A controller whose volume was lost comes back formatted without initial controllers; auto-join
  // makes it a voter again without a manual add-controller.
  if (controller) owned['controller.quorum.auto.join.enable'] = 'true';
  return { ...replicationDefaults(spec.brokers), ...spec.config, ...owned };
}

/** `advertised.listeners` of a node, with `$(POD_IP)` for the pod to fill in: clients and brokers dial pod IPs, controllers dial stable names. */
export function advertisedListeners(spec: KafkaClusterSpec, node: KafkaNode, host: string): string {
  const broker = node.roles.includes('broker');
  return [
    ...(broker ? spec.listeners.map((l) => `${l.name}://$(POD_IP):${l.port}`) : []),
    ...(broker ? [`INTERNAL://$(POD_IP):${internalPort}`] : []),
    ...(node.roles.includes('controller') ? [`CONTROLLER://${host}:${controllerPort}`] : []),
  ].join(',');
}
