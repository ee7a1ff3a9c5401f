import { Type } from '@sinclair/typebox';
import { Defaulted, defineCustomResource, defineOperator } from '../../src/constructs/schema/index.js';
import { EtcdBackupType } from './etcd-backup-type.js';

/** The etcd releases the operator runs, oldest first: the 3.6 and 3.7 lines the local node builds. */
export const etcdReleases = ['3.6.13', '3.6.14', '3.6.15', '3.6.16', '3.7.0', '3.7.1', '3.7.2', '3.7.3'] as const;

/** The version a new EtcdCluster runs when its spec names none. */
export const defaultEtcdVersion = '3.6.16';

const Quantity = (description: string) => Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$', description });

const Member = Type.Object({
  name: Type.String({ description: 'Member (and pod) name; empty until an added member has started.' }),
  id: Type.String({ description: 'etcd member id in hex, as etcdctl prints it (a uint64: never a JSON number).' }),
  peerURL: Type.String(),
  clientURL: Type.Optional(Type.String()),
  version: Type.Optional(Type.String({ description: 'The etcd server version the member reports.' })),
  learner: Type.Boolean(),
  leader: Type.Boolean(),
  healthy: Type.Boolean({ description: 'The member answered its status call.' }),
});

/**
 * An EtcdCluster is an etcd cluster of `size` members at `version`, run by the `etcd` operator as
 * bare pods whose membership follows etcd's own member list. This module holds no cdk8s, so the
 * operator imports it for its typed view.
 */
export const EtcdClusterType = defineCustomResource({
  group: 'etcd.capstan.dev',
  version: 'v1alpha1',
  kind: 'EtcdCluster',
  plural: 'etcdclusters',
  shortNames: ['etcd'],
  categories: ['capstan'],
  description: 'An etcd cluster whose members the etcd operator adds, removes, replaces and upgrades one at a time.',
  spec: Type.Object({
    size: Defaulted(Type.Integer({ minimum: 1, maximum: 9, description: 'Voting members. An even size tolerates no more failures than one fewer member.' }), 3),
    version: Defaulted(Type.String({ pattern: '^3\\.[0-9]+\\.[0-9]+$', description: `etcd version, e.g. ${defaultEtcdVersion}. Upgrades go one patch or one minor at a time; downgrades are refused.` }), defaultEtcdVersion),
    repository: Defaulted(Type.String({ minLength: 1, description: 'Image repository; the tag is `v<version>`.' }), 'gcr.io/etcd-development/etcd'),
    storage: Defaulted(Type.Object({
      size: Defaulted(Quantity('Size of each member\'s PersistentVolumeClaim.'), '1Gi'),
      storageClassName: Type.Optional(Type.String({ minLength: 1, description: 'StorageClass of the claims; the cluster default when unset.' })),
    }, { description: 'Each member keeps its data on a PersistentVolumeClaim of its own, so a restarted or recreated pod comes back as the same member.' }), {}),
    resources: Type.Optional(Type.Object({
      requests: Type.Optional(Type.Object({ cpu: Type.Optional(Quantity('CPU request')), memory: Type.Optional(Quantity('memory request')) })),
      limits: Type.Optional(Type.Object({ cpu: Type.Optional(Quantity('CPU limit')), memory: Type.Optional(Quantity('memory limit')) })),
    }, { description: 'Resources of the etcd container.' })),
    bootstrap: Type.Optional(Type.Object({
      restore: Type.Object({
        claimName: Type.String({ minLength: 1, description: 'The claim holding the snapshot (an EtcdBackup\'s `spec.claimName`).' }),
        file: Type.String({ minLength: 1, pattern: '^[^/]+$', description: 'The snapshot\'s file in the claim (an EtcdBackup\'s `status.file`).' }),
      }, { description: 'The first member starts from this snapshot (etcdutl of the cluster\'s version, revisions bumped and marked compacted): a new cluster with the data of the old one.' }),
    }, { description: 'How a new cluster starts; read only when it is created.' })),
    podTemplate: Type.Optional(Type.Object({
      labels: Type.Optional(Type.Record(Type.String(), Type.String())),
      annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
      nodeSelector: Type.Optional(Type.Record(Type.String(), Type.String())),
      priorityClassName: Type.Optional(Type.String()),
    }, { description: 'Overrides merged into every member pod.' })),
  }),
  status: Type.Object({
    phase: Type.Optional(Type.String({ description: 'Creating, Running, Scaling, Replacing, Upgrading, Degraded or QuorumLost.' })),
    clusterID: Type.Optional(Type.String({ description: 'etcd cluster id in hex.' })),
    currentVersion: Type.Optional(Type.String({ description: 'The lowest etcd version any member runs.' })),
    targetVersion: Type.Optional(Type.String()),
    readyMembers: Type.Optional(Type.Integer({ minimum: 0, description: 'Healthy voting members.' })),
    members: Type.Optional(Type.Array(Member)),
    observed: Type.Optional(Type.Object({
      size: Type.Integer(),
      version: Type.String(),
    }, { description: 'The target the operator works toward: a new spec is adopted only once this one is reached.' })),
    lastSnapshot: Type.Optional(Type.Object({
      revision: Type.String(),
      size: Type.Integer(),
      sha256: Type.String(),
      version: Type.String({ description: 'The etcd version that served it.' }),
      forVersion: Type.String({ description: 'The upgrade target it was taken before.' }),
      time: Type.String(),
      path: Type.String({ description: 'Where the operator wrote it.' }),
    }, { description: 'The snapshot taken before the last upgrade step.' })),
  }),
  readyCondition: 'Ready',
  printerColumns: [
    { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
    { name: 'Ready Members', type: 'integer', jsonPath: '.status.readyMembers' },
    { name: 'Version', type: 'string', jsonPath: '.status.currentVersion' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Cluster ID', type: 'string', jsonPath: '.status.clusterID', priority: 1 },
  ],
});

/** The `etcd` operator: EtcdClusters into member pods, their claims, two Services and a PodDisruptionBudget; EtcdBackups into snapshot pods. */
export const etcdOperator = defineOperator({
  name: 'etcd',
  reconciles: [EtcdClusterType, EtcdBackupType],
  owns: [
    { apiVersion: 'v1', kind: 'Pod' },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
    { apiVersion: 'v1', kind: 'Service' },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  ],
  // A backup pod reports what its snapshot holds in its log.
  extraRules: [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }],
});
