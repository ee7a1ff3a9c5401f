import type { KubeObject } from '../../../src/k8s/index.js';
import { clusterSelector, labels, peerServiceName, ports, quorum } from './names.js';

const managed = (cluster: string) => ({ ...clusterSelector(cluster), [labels.managedBy]: 'capstan-etcd' });

/** The client Service, `<cluster>:2379`: ready members only. */
export function clientService(cluster: string, namespace: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: cluster, namespace, labels: managed(cluster) },
    spec: { selector: clusterSelector(cluster), ports: [{ name: 'client', port: ports.client, targetPort: ports.client }] },
  } as KubeObject;
}

/**
 * The headless peer Service that gives each member its DNS name. It publishes members that are not
 * ready yet: a starting member must reach its peers before it can become ready.
 */
export function peerService(cluster: string, namespace: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: peerServiceName(cluster), namespace, labels: managed(cluster) },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: clusterSelector(cluster),
      ports: [{ name: 'peer', port: ports.peer, targetPort: ports.peer }, { name: 'client', port: ports.client, targetPort: ports.client }],
    },
  } as KubeObject;
}

/**
 * The PodDisruptionBudget that keeps a quorum of voters through voluntary disruptions (node drains).
 * The operator itself deletes pods directly (upgrades, replacements), so the budget never blocks it.
 */
export function disruptionBudget(cluster: string, namespace: string, voters: number): KubeObject {
  return {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
    metadata: { name: cluster, namespace, labels: managed(cluster) },
    spec: { minAvailable: quorum(voters), selector: { matchLabels: clusterSelector(cluster) } },
  } as KubeObject;
}
