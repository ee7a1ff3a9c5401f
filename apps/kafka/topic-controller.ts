import type { KubeObject } from '../../src/k8s/index.js';
import type { Controller, Informer, Manager, ReconcileContext, Request, Result } from '../../src/controller/index.js';
import type { ObjectOf } from '../../src/constructs/schema/index.js';
import type { ClusterAdmins } from './admin/cluster-admin.js';
import { KafkaClusterType } from './cluster-type.js';
import type { ClusterCaches } from './cluster-controller.js';
import { isPodReady, podAddress } from './cluster-status.js';
import { brokerLabel } from './pod.js';
import { KafkaTopicType } from './topic-type.js';

type Topic = ObjectOf<typeof KafkaTopicType>;
type Cluster = ObjectOf<typeof KafkaClusterType>;

/** Held while a topic with `deletionPolicy: Delete` still exists in Kafka. */
export const topicFinalizer = 'kafka.capstan.dev/delete-topic';

const notReady = (reason: string, message: string) => [{ type: 'Ready', status: 'False' as const, reason, message }];

function sameConfig(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/**
 * Reconciles one KafkaTopic through the Admin API: creates the topic, raises its partition count,
 * and sets its configuration to exactly `spec.config`. A partition decrease, or a replication factor
 * above the cluster's broker count, is refused with a condition and changes nothing. With
 * `deletionPolicy: Delete`, a finalizer deletes the topic from Kafka before the resource goes.
 */
export async function reconcileTopic(req: Request, ctx: ReconcileContext, caches: ClusterCaches, clusters: (namespace: string, name: string) => KubeObject | undefined, admins: ClusterAdmins): Promise<Result | void> {
  if (!ctx.object) return;
  const topic = KafkaTopicType.view(ctx.object) as Topic;
  const namespace = req.namespace!;
  const name = topic.spec.topicName ?? req.name;
  const deleting = Boolean(topic.metadata.deletionTimestamp);
  const finalized = topic.metadata.finalizers?.includes(topicFinalizer) ?? false;
  if (deleting && !finalized) return;
  if (!deleting && topic.spec.deletionPolicy === 'Delete' && !finalized) await ctx.addFinalizer(topicFinalizer);
  if (!deleting && topic.spec.deletionPolicy === 'Retain' && finalized) await ctx.removeFinalizer(topicFinalizer);

  const clusterObject = clusters(namespace, topic.spec.cluster);
  if (!clusterObject) {
    if (deleting) return void (await ctx.removeFinalizer(topicFinalizer)); // the cluster and its data are gone already
    await ctx.updateStatus(notReady('ClusterNotFound', `no KafkaCluster "${topic.spec.cluster}" in namespace ${namespace}: create it, or fix spec.cluster`));
    return { requeueAfter: 10_000 };
  }
  const cluster = KafkaClusterType.view(clusterObject) as Cluster;
  const brokers = caches.pods(namespace, topic.spec.cluster)
    .filter((p) => p.metadata.labels?.[brokerLabel] === 'true' && isPodReady(p) && !p.metadata.deletionTimestamp)
    .map((p) => podAddress(p, cluster.spec.listeners[0]!.port)).filter((a): a is string => !!a).sort();
  if (brokers.length === 0) {
    await ctx.updateStatus(notReady('ClusterNotReady', `KafkaCluster ${topic.spec.cluster} has no ready broker yet`));
    return { requeueAfter: 5000 };
  }
  const admin = admins.get(`${namespace}/${topic.spec.cluster}`, brokers);

  if (deleting) {
    await admin.deleteTopic(name).catch((err: Error) => {
      if (!/does not host this topic-partition|UNKNOWN_TOPIC/i.test(err.message)) throw err;
    });
    await ctx.removeFinalizer(topicFinalizer);
    return;
  }

  if (topic.spec.replicationFactor > cluster.spec.brokers) {
    await ctx.updateStatus(notReady('InvalidSpec', `spec.replicationFactor ${topic.spec.replicationFactor} is more than the ${cluster.spec.brokers} brokers of KafkaCluster ${topic.spec.cluster}: lower it, or add brokers first; nothing was changed`));
    return;
  }

  let metadata = (await admin.metadata()).topics.find((t) => t.name === name);
  if (!metadata) {
    await admin.createTopic(name, topic.spec.partitions, topic.spec.replicationFactor, topic.spec.config);
    await ctx.record({ reason: 'Created', action: 'CreateTopic', note: `created topic ${name} with ${topic.spec.partitions} partitions, replication factor ${topic.spec.replicationFactor}` });
    metadata = (await admin.metadata()).topics.find((t) => t.name === name);
    if (!metadata) return { requeueAfter: 1000 };
  }
  const current = metadata.partitions.length;
  if (topic.spec.partitions < current) {
    await ctx.updateStatus(
      notReady('PartitionDecreaseRefused', `spec.partitions ${topic.spec.partitions} is below the ${current} partitions topic ${name} has: Kafka cannot remove partitions (their data and keyed ordering would be lost); set spec.partitions back to ${current} or more; nothing was changed`),
      { topicId: metadata.topicId, topicName: name, partitions: current },
    );
    return;
  }
  if (topic.spec.partitions > current) {
    await admin.createPartitions(name, topic.spec.partitions);
    await ctx.record({ reason: 'PartitionsAdded', action: 'CreatePartitions', note: `raised topic ${name} from ${current} to ${topic.spec.partitions} partitions` });
    return { requeueAfter: 1000 };
  }
  const live = (await admin.topicConfigs([name])).get(name) ?? {};
  if (!sameConfig(live, topic.spec.config)) {
    await admin.setTopicConfig(name, topic.spec.config);
    await ctx.record({ reason: 'Configured', action: 'AlterConfigs', note: `set the configuration of topic ${name}` });
  }

  const rf = metadata.partitions[0]?.replicas.length ?? 0;
  const urp = metadata.partitions.filter((p) => p.isr.length < p.replicas.length).length;
  const rfMatches = rf === topic.spec.replicationFactor;
  const ready = urp === 0 && rfMatches;
  const message = !rfMatches
    ? `topic ${name} has replication factor ${rf}, spec.replicationFactor is ${topic.spec.replicationFactor}: changing it is not supported yet`
    : urp ? `${urp} of ${current} partitions have replicas out of sync` : `${current} partitions, all replicas in sync`;
  await ctx.updateStatus(
    [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'InSync' : rfMatches ? 'UnderReplicated' : 'ReplicationFactorMismatch', message }],
    { topicId: metadata.topicId, topicName: name, partitions: current, replicationFactor: rf, underReplicatedPartitions: urp, inSync: urp === 0 },
  );
  return { requeueAfter: ready ? 30_000 : 5000 };
}

/** Registers the KafkaTopic controller; a change of its KafkaCluster looks at the cluster's topics again. */
export function registerTopicController(manager: Manager, caches: ClusterCaches, admins: ClusterAdmins): void {
  const controller: Controller = manager.add({
    name: 'kafkatopic',
    for: { kind: KafkaTopicType },
    owns: [],
    watches: [{
      kind: KafkaClusterType,
      map: (cluster: KubeObject) => topicsInformer().store.list({ namespace: cluster.metadata.namespace })
        .filter((t: KubeObject) => (t as unknown as Topic).spec?.cluster === cluster.metadata.name)
        .map((t: KubeObject) => ({ namespace: t.metadata.namespace, name: t.metadata.name! })),
    }],
    reconcile: (req, ctx) => reconcileTopic(req, ctx, caches, (ns, name) => clustersInformer().store.getByName(ns, name), admins),
  });
  const topicsInformer = (): Informer => manager.informers.informerFor(KafkaTopicType, controller.spec.for.scope);
  const clustersInformer = (): Informer => manager.informers.informerFor(KafkaClusterType, controller.spec.watches[0]!.scope);
}
