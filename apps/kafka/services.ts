import type { KubeObject } from '../../src/k8s/index.js';
import { bootstrapServiceName, controllerPort, internalPort, nodesServiceName, type KafkaClusterSpec } from './layout.js';
import { brokerLabel, clusterLabels } from './pod.js';

/** The headless Service behind every node's DNS name; it publishes pods before they are ready, since a quorum must find its members to become ready at all. */
export function nodesService(cluster: string, namespace: string, spec: KafkaClusterSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: nodesServiceName(cluster), namespace, labels: clusterLabels(cluster) },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: clusterLabels(cluster),
      ports: [
        ...spec.listeners.map((l) => ({ name: l.name.toLowerCase().replace(/_/g, '-'), port: l.port })),
        { name: 'internal', port: internalPort },
        { name: 'controller', port: controllerPort },
      ],
    },
  } as KubeObject;
}

/** The Service clients bootstrap from: the ready brokers. */
export function bootstrapService(cluster: string, namespace: string, spec: KafkaClusterSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: bootstrapServiceName(cluster), namespace, labels: clusterLabels(cluster) },
    spec: {
      selector: { ...clusterLabels(cluster), [brokerLabel]: 'true' },
      ports: spec.listeners.map((l) => ({ name: l.name.toLowerCase().replace(/_/g, '-'), port: l.port, targetPort: l.port })),
    },
  } as KubeObject;
}
