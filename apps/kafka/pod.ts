import { createHash } from 'node:crypto';
import type { KubeObject } from '../../src/k8s/index.js';
import { renderKafkaProperties } from './properties.js';
import { claimName, configMapName, controllerPort, nodeHost, nodesServiceName, type KafkaClusterSpec, type KafkaNode } from './layout.js';
import { advertisedListeners, configMountPath, dataMountPath, nodeProperties } from './node-config.js';

/** Labels of every object of a cluster. */
export function clusterLabels(cluster: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': cluster, 'app.kubernetes.io/managed-by': 'capstan' };
}

/** Label naming a pod's node.id. */
export const nodeIdLabel = 'kafka.capstan.dev/node-id';
/** Label set to "true" on pods that are brokers. */
export const brokerLabel = 'kafka.capstan.dev/broker';
/** Annotation with the hash of everything a restart would change; a pod whose hash differs is restarted in turn. */
export const configHashAnnotation = 'kafka.capstan.dev/config-hash';

/** What a node's pod is made from, beside the cluster's spec. */
export interface NodePodInput {
  cluster: string;
  namespace: string;
  spec: KafkaClusterSpec;
  node: KafkaNode;
  nodes: readonly KafkaNode[];
  clusterId: string;
  /** `--initial-controllers …` for the controllers a new quorum forms with, else `--no-initial-controllers`. */
  formatArgs: string[];
}

/** The image a spec runs. */
export function imageOf(spec: KafkaClusterSpec): string {
  return `apache/kafka:${spec.version}`;
}

/** The hash of what a running node would only pick up by restarting: its properties, image, advertised listeners, heap and resources. */
export function nodeConfigHash(input: NodePodInput): string {
  const { spec, node } = input;
  const material = JSON.stringify({
    properties: renderKafkaProperties(nodeProperties(input.cluster, input.namespace, spec, node, input.nodes)),
    image: imageOf(spec),
    advertised: advertisedListeners(spec, node, nodeHost(input.cluster, input.namespace, node.pod)),
    resources: spec.resources,
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

/** The pod of one node: an init container formats its volume once (`--ignore-formatted` keeps a formatted one as it is), then the node runs. */
export function nodePod(input: NodePodInput): KubeObject {
  const { cluster, namespace, spec, node } = input;
  const image = imageOf(spec);
  const broker = node.roles.includes('broker');
  const config = `${configMountPath}/server.properties`;
  const mounts = [{ name: 'config', mountPath: configMountPath, readOnly: true }, { name: 'data', mountPath: dataMountPath }];
  const probePort = broker ? spec.listeners[0]!.port : controllerPort;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: node.pod,
      namespace,
      labels: { ...clusterLabels(cluster), [nodeIdLabel]: String(node.id), [brokerLabel]: String(broker) },
      annotations: { [configHashAnnotation]: nodeConfigHash(input) },
    },
    spec: {
      hostname: node.pod,
      subdomain: nodesServiceName(cluster),
      restartPolicy: 'Always',
      // Controlled shutdown moves leadership away first; a broker with much data needs the time.
      terminationGracePeriodSeconds: 60,
      initContainers: [{
        name: 'format',
        image,
        command: ['kafka-storage.sh', 'format', '--ignore-formatted', '--cluster-id', input.clusterId, '--config', config, ...input.formatArgs],
        env: [{ name: 'KAFKA_HEAP_OPTS', value: '-Xmx128m' }],
        volumeMounts: mounts,
      }],
      containers: [{
        name: 'kafka',
        image,
        command: ['kafka-server-start.sh', config, '--override', `advertised.listeners=${advertisedListeners(spec, node, nodeHost(cluster, namespace, node.pod))}`],
        env: [
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'KAFKA_HEAP_OPTS', value: `-Xms${spec.resources.heap} -Xmx${spec.resources.heap}` },
          // Pods get new IPs when they are recreated: look names up again within seconds, not the JVM's 30 s.
          { name: 'KAFKA_OPTS', value: '-Dsun.net.inetaddr.ttl=5 -Dsun.net.inetaddr.negative.ttl=1' },
        ],
        ports: [
          ...(broker ? spec.listeners.map((l) => ({ name: l.name.toLowerCase().slice(0, 15).replace(/_/g, '-'), containerPort: l.port })) : []),
          ...(node.roles.includes('controller') ? [{ name: 'controller', containerPort: controllerPort }] : []),
        ],
        readinessProbe: { tcpSocket: { port: probePort }, periodSeconds: 2, failureThreshold: 2 },
        ...(spec.resources.requests || spec.resources.limits ? { resources: { ...(spec.resources.requests ? { requests: spec.resources.requests } : {}), ...(spec.resources.limits ? { limits: spec.resources.limits } : {}) } } : {}),
        volumeMounts: mounts,
      }],
      volumes: [
        { name: 'config', configMap: { name: configMapName(cluster), items: [{ key: `${node.id}.properties`, path: 'server.properties' }] } },
        { name: 'data', persistentVolumeClaim: { claimName: claimName(node.pod) } },
      ],
    },
  } as KubeObject;
}

/** The claim of a node's volume. */
export function nodeClaim(cluster: string, namespace: string, spec: KafkaClusterSpec, node: KafkaNode): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claimName(node.pod), namespace, labels: { ...clusterLabels(cluster), [nodeIdLabel]: String(node.id) } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: spec.storage.size } },
      ...(spec.storage.storageClassName ? { storageClassName: spec.storage.storageClassName } : {}),
    },
  } as KubeObject;
}
