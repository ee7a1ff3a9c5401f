import { Type } from '@sinclair/typebox';
import { Defaulted, defineCustomResource, defineOperator } from '../../src/constructs/schema/index.js';
import { EtcdBackupType } from './etcd-backup-type.js';

/** The etcd releases the operator runs, oldest first: the 3.6 and 3.7 lines the local node builds. */
export const etcdReleases = ['3.6.13', '3.6.14', '3.6.15', '3.6.16', '3.7.0', '3.7.1', '3.7.2', '3.7.3'] as const;

/** The version a new EtcdCluster runs when its spec names none. */
export const defaultEtcdVersion = '3.6.16';

const Quantity = (description: string) => Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$', description });

const Duration = (description: string) => Type.String({ pattern: '^([0-9]+h)?([0-9]+m)?([0-9]+s)?$', minLength: 2, description });

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
      ephemeral: Type.Optional(Type.Boolean({
        description: 'Keep each member\'s data in its pod (an emptyDir) instead of a claim. Data survives a container restart but not the pod: a deleted or recreated pod (an upgrade, a certificate renewal, an eviction) is then a new member that replaces the old one, and a cluster that loses a quorum of pods at once is lost.',
      })),
    }, { description: 'Each member keeps its data on a PersistentVolumeClaim of its own, so a restarted or recreated pod comes back as the same member. Chosen when the cluster is created.' }), {}),
    resources: Type.Optional(Type.Object({
      requests: Type.Optional(Type.Object({ cpu: Type.Optional(Quantity('CPU request')), memory: Type.Optional(Quantity('memory request')) })),
      limits: Type.Optional(Type.Object({ cpu: Type.Optional(Quantity('CPU limit')), memory: Type.Optional(Quantity('memory limit')) })),
    }, { description: 'Resources of the etcd container.' })),
    tls: Type.Optional(Type.Object({
      certificateDuration: Defaulted(Duration('Lifetime of the certificates the operator issues (`8760h`, `90m`); each is renewed two thirds into it by restarting its member, one at a time, under the same health gates as an upgrade. The CA lasts ten years.'), '8760h'),
      secrets: Type.Optional(Type.Object({
        server: Type.String({ minLength: 1, description: 'Secret (ca.crt, tls.crt, tls.key) every member serves clients with; its ca.crt verifies client certificates. tls.crt must name `*.<cluster>-peer.<namespace>.svc` and `<cluster>.<namespace>.svc`, for server and client auth.' }),
        peer: Type.String({ minLength: 1, description: 'Secret (ca.crt, tls.crt, tls.key) members authenticate each other with; tls.crt must name `*.<cluster>-peer.<namespace>.svc`, for server and client auth.' }),
        client: Type.String({ minLength: 1, description: 'Secret (ca.crt, tls.crt, tls.key) the operator connects with: a client certificate the server\'s ca.crt trusts, and the CA that verifies the servers.' }),
      }, { description: 'Your own Secrets instead of certificates the operator issues. The operator does not renew them; when their certificates change it restarts the members one at a time to serve the new ones.' })),
    }, { description: 'Peer and client TLS: members serve only https, require client certificates from clients and peers, and the operator connects with mTLS. Without `secrets` the operator issues a CA (`<cluster>-ca`), a certificate per member (`<member>-tls`) and a client certificate (`<cluster>-client-tls`, also for your own clients). Chosen when the cluster is created.' })),
    backup: Type.Optional(Type.Object({
      schedule: Type.String({ pattern: '^\\S+( \\S+){4,5}$', description: 'When to take a snapshot: a cron expression in UTC, five fields (minute hour day-of-month month day-of-week, e.g. `0 3 * * *`) or six with seconds first.' }),
      retention: Defaulted(Type.Integer({ minimum: 1, maximum: 1000, description: 'How many scheduled snapshots to keep; older ones (only those the schedule took) are deleted, with their files.' }), 7),
      claimName: Type.String({ minLength: 1, description: 'The claim snapshots are written to (created with `claimSize` when missing; it outlives the cluster). Pre-upgrade snapshots go there too.' }),
      claimSize: Defaulted(Type.String({ pattern: '^[0-9]+(Ki|Mi|Gi|Ti)$' }), '1Gi'),
    }, { description: 'Scheduled snapshots, each an EtcdBackup the cluster owns.' })),
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
    phase: Type.Optional(Type.String({ description: 'Creating, Running, Scaling, Replacing, Upgrading, RenewingCertificates, Degraded or QuorumLost.' })),
    clusterID: Type.Optional(Type.String({ description: 'etcd cluster id in hex.' })),
    currentVersion: Type.Optional(Type.String({ description: 'The lowest etcd version any member runs.' })),
    targetVersion: Type.Optional(Type.String()),
    readyMembers: Type.Optional(Type.Integer({ minimum: 0, description: 'Healthy voting members.' })),
    members: Type.Optional(Type.Array(Member)),
    observed: Type.Optional(Type.Object({
      size: Type.Integer(),
      version: Type.String(),
    }, { description: 'The target the operator works toward: a new spec is adopted only once this one is reached.' })),
    createdWith: Type.Optional(Type.Object({
      tls: Type.Boolean(),
      ephemeral: Type.Boolean(),
    }, { description: 'The choices a cluster is created with and keeps: a spec that changes them is refused.' })),
    lastScheduleTime: Type.Optional(Type.String({ description: 'When the backup schedule last took a snapshot.' })),
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

/**
 * The `etcd` operator: EtcdClusters into member pods, their claims, TLS Secrets, two Services, a
 * PodDisruptionBudget and scheduled EtcdBackups; EtcdBackups into snapshot pods.
 */
export const etcdOperator = defineOperator({
  name: 'etcd',
  reconciles: [EtcdClusterType, EtcdBackupType],
  owns: [
    { apiVersion: 'v1', kind: 'Pod' },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
    { apiVersion: 'v1', kind: 'Secret' },
    { apiVersion: 'v1', kind: 'Service' },
    EtcdBackupType,
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  ],
  // A backup pod reports what its snapshot holds in its log.
  extraRules: [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }],
});
