import type { KubeObject } from '../../src/k8s/index.js';
import { Kinds, refOf, type ReconcileContext } from '../../src/controller/index.js';
import { identityName, type KafkaNode } from './layout.js';
import { clusterLabels } from './pod.js';
import { kafkaUuid } from './uuid.js';

/** What a cluster keeps for its whole life: the id its volumes are formatted with, and its first controllers' directory ids. */
export interface ClusterIdentity {
  clusterId: string;
  /** node.id → directory id of each controller the quorum was formed with. */
  directoryIds: Record<string, string>;
  /** Set once the quorum has had a leader: later controllers join it instead of forming it. */
  formed: boolean;
}

type IdentityMap = KubeObject & { data?: Record<string, string> };

function parse(cm: IdentityMap): ClusterIdentity {
  return { clusterId: cm.data?.clusterId ?? '', directoryIds: JSON.parse(cm.data?.directoryIds ?? '{}') as Record<string, string>, formed: cm.data?.formed === 'true' };
}

/**
 * Reads the cluster's identity ConfigMap, creating it on first use. Ids are generated once and never
 * changed: a new id for an existing cluster would make its formatted volumes refuse to start. When
 * the ConfigMap was lost but the status still names the cluster id, that id is kept.
 */
export async function ensureIdentity(ctx: ReconcileContext, cached: KubeObject | undefined, cluster: string, namespace: string, nodes: readonly KafkaNode[], knownClusterId: string | undefined): Promise<ClusterIdentity> {
  // A cache that has not seen our own write yet must not make us mint new ids: ask the API server.
  const existing = (cached as IdentityMap | undefined) ?? (await ctx.client.get<IdentityMap>(refOf(Kinds.ConfigMap, namespace, identityName(cluster))));
  const identity: ClusterIdentity = existing ? parse(existing) : { clusterId: knownClusterId ?? kafkaUuid(), directoryIds: {}, formed: knownClusterId !== undefined };
  let changed = !existing;
  for (const node of nodes) {
    if (node.roles.includes('controller') && !identity.directoryIds[String(node.id)]) {
      identity.directoryIds[String(node.id)] = kafkaUuid();
      changed = true;
    }
  }
  if (changed) await writeIdentity(ctx, cluster, namespace, identity);
  return identity;
}

/** Records the identity (the only writer is the operator; ids only ever get added). */
export async function writeIdentity(ctx: ReconcileContext, cluster: string, namespace: string, identity: ClusterIdentity): Promise<void> {
  await ctx.apply(Kinds.ConfigMap, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: identityName(cluster), namespace, labels: clusterLabels(cluster) },
    data: { clusterId: identity.clusterId, directoryIds: JSON.stringify(identity.directoryIds), formed: String(identity.formed) },
  });
}
