/**
 * Broker properties the operator sets itself, each with the reason a KafkaCluster's `config` may not:
 * they carry node identity, the quorum and the listeners the operator wires pods together with.
 */
export const ownedConfig: Readonly<Record<string, string>> = {
  'process.roles': 'the operator gives each node its roles from spec.controllers',
  'node.id': 'the operator numbers the nodes; a node keeps its id for the life of its volume',
  'broker.id': 'the operator numbers the nodes (node.id)',
  'cluster.id': 'the operator formats every volume with the cluster id it keeps in status.clusterId',
  'controller.quorum.voters': 'the operator runs a dynamic quorum (KIP-853) through controller.quorum.bootstrap.servers',
  'controller.quorum.bootstrap.servers': 'the operator points every node at its controllers',
  'controller.listener.names': 'the operator owns the CONTROLLER listener',
  'listeners': 'set spec.listeners instead',
  'advertised.listeners': 'the operator advertises each listener at the pod address; set spec.listeners',
  'listener.security.protocol.map': 'set spec.listeners instead',
  'inter.broker.listener.name': 'the operator owns the INTERNAL listener brokers replicate over',
  'log.dirs': 'the operator keeps the data on the node\'s volume (spec.storage)',
  'log.dir': 'the operator keeps the data on the node\'s volume (spec.storage)',
  'metadata.log.dir': 'the operator keeps the metadata log on the node\'s volume (spec.storage)',
};

/** Listener names and ports the operator keeps for itself. */
export const reservedListeners = { INTERNAL: 9091, CONTROLLER: 9093 } as const;

/** The CEL rules that make the API server refuse an owned key in `spec.config`, each naming the key and what to do. */
export function ownedConfigRules(): { rule: string; message: string }[] {
  return Object.entries(ownedConfig).map(([key, why]) => ({
    rule: `!('${key}' in self)`,
    message: `config key "${key}" is owned by the operator (${why}); remove it from spec.config`,
  }));
}
