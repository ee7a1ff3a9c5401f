import type { KubeObject } from '../../src/k8s/index.js';
import { Kinds, refOf, type ConditionInput, type Manager, type ReconcileContext, type Request, type Result } from '../../src/controller/index.js';
import type { ObjectOf } from '../../src/constructs/schema/index.js';
import { ClusterAdmins, type ClusterAdmin } from './admin/cluster-admin.js';
import { KafkaApiError, type ClusterMetadata, type QuorumDescription } from './admin/requests.js';
import { KafkaClusterType } from './cluster-type.js';
import { ensureIdentity, writeIdentity, type ClusterIdentity } from './identity.js';
import { claimName, configMapName, desiredNodes, identityName, initialControllers, type KafkaNode, type NodeRole } from './layout.js';
import { nodeProperties } from './node-config.js';
import { brokerLabel, clusterLabels, configHashAnnotation, nodeClaim, nodeConfigHash, nodeIdLabel, nodePod, type NodePodInput } from './pod.js';
import { renderKafkaProperties } from './properties.js';
import { planMoves } from './rebalance.js';
import { nextRestart, restartBlockers, underReplicated } from './restart-plan.js';
import { bootstrapService, nodesService } from './services.js';
import { specProblems } from './spec-problems.js';
import { clusterStatus, podAddress, isPodReady, type Step } from './cluster-status.js';

type Cluster = ObjectOf<typeof KafkaClusterType>;
type Pod = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[] } };

/** How soon to look again while a step is in progress, and while all is well (Kafka's own state has no watch). */
const busyMs = 3000;
/** Kafka's BROKER_ID_NOT_REGISTERED: the broker is unregistered already. */
const brokerNotRegistered = 102;
const idleMs = 30_000;

/** Reads pods and ConfigMaps from the controller's caches. */
export interface ClusterCaches {
  pods(namespace: string, cluster: string): Pod[];
  claims(namespace: string, cluster: string): KubeObject[];
  configMap(namespace: string, name: string): KubeObject | undefined;
}

/**
 * Reconciles one KafkaCluster a step at a time, each step safe to repeat after an operator restart:
 * identity, Services, configuration, volumes and pods first; then, with the brokers reachable, at
 * most one of: move partitions off brokers being removed, stop and unregister them, rebalance onto
 * new brokers, or restart one node whose configuration changed.
 */
export async function reconcileCluster(req: Request, ctx: ReconcileContext, caches: ClusterCaches, admins: ClusterAdmins): Promise<Result | void> {
  const key = `${req.namespace}/${req.name}`;
  if (!ctx.object) {
    await admins.forget(key); // its children go with it through their owner references
    return;
  }
  const kc = KafkaClusterType.view(ctx.object) as Cluster;
  const name = req.name;
  const namespace = req.namespace!;
  const spec = kc.spec;

  const problems = specProblems(spec);
  if (problems.length > 0) {
    const message = `the spec is invalid, nothing was changed: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`;
    await ctx.updateStatus([
      { type: 'Ready', status: 'False', reason: 'InvalidSpec', message },
      { type: 'Progressing', status: 'False', reason: 'InvalidSpec', message },
      { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message },
    ]);
    return;
  }

  const desired = desiredNodes(name, spec);
  const identity = await ensureIdentity(ctx, caches.configMap(namespace, identityName(name)), name, namespace, desired, kc.status?.clusterId);
  await ctx.apply(Kinds.Service, nodesService(name, namespace, spec));
  await ctx.apply(Kinds.Service, bootstrapService(name, namespace, spec));

  const pods = caches.pods(namespace, name);
  const desiredIds = new Set(desired.map((n) => n.id));
  // A node being removed keeps its claim until it is unregistered: the claim is what remembers it.
  const leavingNodes: KafkaNode[] = caches.claims(namespace, name)
    .filter((c) => !desiredIds.has(Number(c.metadata.labels?.[nodeIdLabel])))
    .map((c) => ({ id: Number(c.metadata.labels![nodeIdLabel]), roles: ['broker'] as NodeRole[], pod: c.metadata.name!.replace(/^data-/, '') }));
  const allNodes = [...desired, ...leavingNodes];
  const inputs = new Map(desired.map((node) => [node.id, podInput(name, namespace, kc, node, desired, identity)]));
  const data: Record<string, string> = {};
  for (const node of allNodes) data[`${node.id}.properties`] = renderKafkaProperties(nodeProperties(name, namespace, spec, node, desired));
  await ctx.apply(Kinds.ConfigMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMapName(name), namespace, labels: clusterLabels(name) }, data });

  let step: Step | undefined;
  for (const node of desired) {
    await ctx.apply(Kinds.PersistentVolumeClaim, nodeClaim(name, namespace, spec, node));
    const pod = pods.find((p) => p.metadata.name === node.pod);
    if (!pod) {
      await ctx.apply(Kinds.Pod, nodePod(inputs.get(node.id)!));
      step ??= { reason: 'CreatingPods', message: `creating pod ${node.pod}` };
    } else if (pod.metadata.deletionTimestamp) {
      step ??= { reason: 'RestartingNode', message: `waiting for pod ${node.pod} to stop before starting it again` };
    }
  }

  const brokers = pods.filter((p) => p.metadata.labels?.[brokerLabel] === 'true' && isPodReady(p) && !p.metadata.deletionTimestamp).map((p) => podAddress(p, spec.listeners[0]!.port)).filter((a): a is string => !!a).sort();
  let metadata: ClusterMetadata | undefined;
  let quorum: QuorumDescription | undefined;
  let unreachable: string | undefined;
  if (brokers.length > 0) {
    const admin = admins.get(key, brokers);
    try {
      metadata = await admin.metadata();
      quorum = await admin.quorum().catch(() => undefined);
      if (quorum && quorum.leader >= 0 && !identity.formed) await writeIdentity(ctx, name, namespace, { ...identity, formed: true });
      step ??= await lifecycleStep(ctx, admin, kc, pods, desired, leavingNodes, inputs, metadata, quorum);
    } catch (err) {
      unreachable = `cannot reach the brokers at ${brokers.join(',')}: ${(err as Error).message}`;
    }
  }

  const status = clusterStatus({ spec, identity, desired, leaving: leavingNodes, pods, metadata, quorum, step, unreachable, generation: kc.metadata.generation });
  await ctx.updateStatus(status.conditions as ConditionInput[], status.fields);
  return { requeueAfter: status.ready ? idleMs : busyMs };
}

function podInput(name: string, namespace: string, kc: Cluster, node: KafkaNode, desired: readonly KafkaNode[], identity: ClusterIdentity): NodePodInput {
  // Only the controllers that form a new quorum name it; every later node joins the quorum it finds.
  const formatArgs = node.roles.includes('controller') && !identity.formed
    ? ['--initial-controllers', initialControllers(name, namespace, desired, identity.directoryIds)]
    : ['--no-initial-controllers'];
  return { cluster: name, namespace, spec: kc.spec, node, nodes: desired, clusterId: identity.clusterId, formatArgs };
}

/** The one lifecycle step that is due, started now; undefined when none is. */
async function lifecycleStep(
  ctx: ReconcileContext, admin: ClusterAdmin, kc: Cluster, pods: Pod[], desired: KafkaNode[], leaving: KafkaNode[],
  inputs: Map<number, NodePodInput>, metadata: ClusterMetadata, quorum: QuorumDescription | undefined,
): Promise<Step | undefined> {
  const namespace = kc.metadata.namespace!;
  const ongoing = await admin.reassignments();
  if (ongoing.length > 0) return { reason: 'MovingPartitions', message: `${ongoing.length} partition moves still copying data` };
  const placements = metadata.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition, replicas: p.replicas })));
  const brokerIds = desired.filter((n) => n.roles.includes('broker')).map((n) => n.id);

  if (leaving.length > 0) {
    const leavingIds = new Set(leaving.map((n) => n.id));
    const held = placements.filter((p) => p.replicas.some((r) => leavingIds.has(r)));
    // A staying broker that is out of sync would have to feed the new replicas: wait for it. A
    // leaving broker that is out of sync (crashed, say) is exactly what the moves are for.
    const lagging = metadata.topics.flatMap((t) => t.partitions.flatMap((p) => p.replicas.filter((r) => !p.isr.includes(r) && !leavingIds.has(r))));
    if (held.length > 0 && lagging.length > 0) return { reason: 'MovingPartitions', message: `waiting for broker(s) ${[...new Set(lagging)].join(', ')} to catch up before moving partitions off broker(s) ${[...leavingIds].join(', ')}` };
    if (held.length > 0) {
      const moves = planMoves(placements, brokerIds).filter((m) => held.some((h) => h.topic === m.topic && h.partition === m.partition));
      await admin.reassign(moves);
      await ctx.record({ reason: 'MovingPartitions', action: 'Reassign', note: `moving ${moves.length} partitions off broker(s) ${[...leavingIds].join(', ')} before removing them` });
      return { reason: 'MovingPartitions', message: `moving ${moves.length} partitions off broker(s) ${[...leavingIds].join(', ')}` };
    }
    for (const node of leaving) {
      const pod = pods.find((p) => p.metadata.name === node.pod);
      if (pod) {
        if (!pod.metadata.deletionTimestamp) {
          await ctx.client.delete(refOf(Kinds.Pod, namespace, node.pod));
          await ctx.record({ reason: 'StoppingBroker', action: 'Delete', note: `stopping broker ${node.id}: it holds no partitions any more` });
        }
        continue;
      }
      // Stopped: forget its registration, then its volume.
      await admin.unregister(node.id).catch((err: unknown) => {
        if (!(err instanceof KafkaApiError && err.code === brokerNotRegistered)) throw err;
      });
      await ctx.client.delete(refOf(Kinds.PersistentVolumeClaim, namespace, claimName(node.pod)));
      await ctx.record({ reason: 'BrokerRemoved', action: 'Unregister', note: `broker ${node.id} is unregistered and its volume released` });
    }
    return { reason: 'RemovingBrokers', message: `stopping and unregistering broker(s) ${[...leavingIds].join(', ')}; they hold no partitions` };
  }

  const missing = brokerIds.filter((id) => !metadata.brokers.some((b) => b.id === id));
  if (missing.length > 0) return { reason: 'WaitingForBrokers', message: `waiting for broker(s) ${missing.join(', ')} to register` };
  const urp = underReplicated(metadata.topics);
  if (urp.length > 0) return undefined; // reported as Degraded; nothing may move until replicas catch up

  const moves = planMoves(placements, brokerIds);
  if (moves.length > 0) {
    await admin.reassign(moves);
    await ctx.record({ reason: 'Rebalancing', action: 'Reassign', note: `moving ${moves.length} partition replicas to even out brokers ${brokerIds.join(', ')}` });
    return { reason: 'Rebalancing', message: `moving ${moves.length} partition replicas to even out the brokers` };
  }

  const stale = desired.filter((n) => {
    const pod = pods.find((p) => p.metadata.name === n.pod);
    return pod && pod.metadata.annotations?.[configHashAnnotation] !== nodeConfigHash(inputs.get(n.id)!);
  });
  const next = nextRestart(stale, quorum?.leader);
  if (!next) return undefined;
  if (!pods.every((p) => isPodReady(p))) return { reason: 'RestartingNode', message: `waiting for every node to be ready before restarting ${next.id}` };
  const minIsr = Number(kc.spec.config['min.insync.replicas'] ?? Math.max(1, Math.min(3, kc.spec.brokers) - 1));
  const topicMinIsr = await admin.topicConfigs(metadata.topics.map((t) => t.name));
  const blockers = restartBlockers(next.id, metadata.topics, (t) => Number(topicMinIsr.get(t)?.['min.insync.replicas'] ?? minIsr));
  if (blockers.length > 0) return { reason: 'RestartBlocked', message: `restarting node ${next.id} would leave partitions below min.insync.replicas: ${blockers.slice(0, 5).join(', ')}` };
  const pod = desired.find((n) => n.id === next.id)!.pod;
  await ctx.client.delete(refOf(Kinds.Pod, namespace, pod));
  await ctx.record({ reason: 'RollingRestart', action: 'Delete', note: `restarting node ${next.id} (${pod}) for its new configuration; ${stale.length - 1} more after it` });
  return { reason: 'RollingRestart', message: `restarting node ${next.id} for its new configuration (${stale.length} to go)` };
}

/** Registers the KafkaCluster controller on a manager; returns the caches it reads, for the topic controller too. */
export function registerClusterController(manager: Manager, admins: ClusterAdmins): ClusterCaches {
  const caches: ClusterCaches = {
    pods: (namespace, cluster) => informer(Kinds.Pod).store.list({ namespace, labelSelector: `app.kubernetes.io/name=kafka,app.kubernetes.io/instance=${cluster}` }) as Pod[],
    claims: (namespace, cluster) => informer(Kinds.PersistentVolumeClaim).store.list({ namespace, labelSelector: `app.kubernetes.io/name=kafka,app.kubernetes.io/instance=${cluster}` }),
    configMap: (namespace, name) => informer(Kinds.ConfigMap).store.getByName(namespace, name),
  };
  const controller = manager.add({
    name: 'kafkacluster',
    for: { kind: KafkaClusterType },
    owns: [{ kind: Kinds.Pod }, { kind: Kinds.PersistentVolumeClaim }, { kind: Kinds.Service }, { kind: Kinds.ConfigMap }],
    watches: [],
    reconcile: (req, ctx) => reconcileCluster(req, ctx, caches, admins),
  });
  // The same informers the controller's owns() runs on (the manager may have scoped them to a namespace).
  const informer = (kind: typeof Kinds.Pod) => manager.informers.informerFor(kind, controller.spec.owns.find((o) => o.kind === kind)?.scope);
  return caches;
}
