import type { SpecViewOf } from '../../src/constructs/schema/index.js';
import type { KafkaClusterType } from './cluster-type.js';

/** The spec of a KafkaCluster as the operator reads it. */
export type KafkaClusterSpec = SpecViewOf<typeof KafkaClusterType>;

/** What a node does in the cluster. */
export type NodeRole = 'broker' | 'controller';

/** One Kafka node (one pod with its volume) of a cluster. */
export interface KafkaNode {
  /** Its `node.id`, fixed for the life of its volume. */
  id: number;
  roles: NodeRole[];
  /** Pod name, also its hostname. */
  pod: string;
}

/** Dedicated controllers are numbered from here, clear of the broker ids. */
export const dedicatedControllerBase = 100;

/** Port of each node's CONTROLLER listener. */
export const controllerPort = 9093;
/** Port of each broker's INTERNAL (replication) listener. */
export const internalPort = 9091;

/** The headless Service that gives every node its stable DNS name, `<pod>.<service>.<ns>.svc.cluster.local`. */
export function nodesServiceName(cluster: string): string {
  return `${cluster}-kafka-nodes`;
}

/** The Service clients bootstrap from. */
export function bootstrapServiceName(cluster: string): string {
  return `${cluster}-kafka-bootstrap`;
}

/** The ConfigMap of every node's server.properties. */
export function configMapName(cluster: string): string {
  return `${cluster}-kafka-config`;
}

/** The ConfigMap that keeps the cluster id and the controllers' directory ids for the cluster's life. */
export function identityName(cluster: string): string {
  return `${cluster}-kafka-identity`;
}

/** The claim of a node's data volume. */
export function claimName(pod: string): string {
  return `data-${pod}`;
}

/** Pod name of node `id`. */
export function podName(cluster: string, id: number, roles: readonly NodeRole[]): string {
  return roles.includes('broker') ? `${cluster}-broker-${id}` : `${cluster}-controller-${id}`;
}

/**
 * The nodes a spec asks for: brokers 0…n-1; in `combined` mode the first `controllers.count` of them
 * are controllers too, in `dedicated` mode the controllers are nodes 100, 101, … of their own.
 */
export function desiredNodes(cluster: string, spec: KafkaClusterSpec): KafkaNode[] {
  const nodes: KafkaNode[] = [];
  const combined = spec.controllers.mode === 'combined';
  for (let id = 0; id < spec.brokers; id++) {
    const roles: NodeRole[] = combined && id < spec.controllers.count ? ['broker', 'controller'] : ['broker'];
    nodes.push({ id, roles, pod: podName(cluster, id, roles) });
  }
  if (!combined) {
    for (let i = 0; i < spec.controllers.count; i++) {
      const id = dedicatedControllerBase + i;
      nodes.push({ id, roles: ['controller'], pod: podName(cluster, id, ['controller']) });
    }
  }
  return nodes;
}

/** A node's stable DNS name. */
export function nodeHost(cluster: string, namespace: string, pod: string): string {
  return `${pod}.${nodesServiceName(cluster)}.${namespace}.svc.cluster.local`;
}

/** `controller.quorum.bootstrap.servers`: every controller's CONTROLLER listener. */
export function quorumBootstrap(cluster: string, namespace: string, nodes: readonly KafkaNode[]): string {
  return nodes.filter((n) => n.roles.includes('controller')).map((n) => `${nodeHost(cluster, namespace, n.pod)}:${controllerPort}`).join(',');
}

/** `--initial-controllers`: `id@host:port:directoryId` of each controller the quorum is formed with. */
export function initialControllers(cluster: string, namespace: string, nodes: readonly KafkaNode[], directoryIds: Readonly<Record<string, string>>): string {
  return nodes
    .filter((n) => n.roles.includes('controller'))
    .map((n) => {
      const dir = directoryIds[String(n.id)];
      if (!dir) throw new Error(`controller ${n.id} has no directory id recorded in ${identityName(cluster)}`);
      return `${n.id}@${nodeHost(cluster, namespace, n.pod)}:${controllerPort}:${dir}`;
    })
    .join(',');
}
