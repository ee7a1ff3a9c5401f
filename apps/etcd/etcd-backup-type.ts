import { Type } from '@sinclair/typebox';
import { Defaulted, defineCustomResource } from '../../src/constructs/schema/index.js';

/**
 * An EtcdBackup takes one snapshot of an EtcdCluster into a PersistentVolumeClaim, with etcdctl of
 * the cluster's own version, and records what it holds. An EtcdCluster's `bootstrap.restore` starts
 * a new cluster from it.
 */
export const EtcdBackupType = defineCustomResource({
  group: 'etcd.capstan.dev',
  version: 'v1alpha1',
  kind: 'EtcdBackup',
  plural: 'etcdbackups',
  categories: ['capstan'],
  description: 'One snapshot of an EtcdCluster, written to a PersistentVolumeClaim.',
  spec: Type.Object({
    clusterName: Type.String({ minLength: 1, description: 'The EtcdCluster to snapshot, in the same namespace.' }),
    claimName: Type.String({ minLength: 1, description: 'The claim the snapshot is written to (created with `claimSize` when missing; it outlives the backup).' }),
    claimSize: Defaulted(Type.String({ pattern: '^[0-9]+(Ki|Mi|Gi|Ti)$' }), '1Gi'),
  }),
  status: Type.Object({
    phase: Type.Optional(Type.String({ description: 'Pending, Running, Completed or Failed.' })),
    file: Type.Optional(Type.String({ description: 'The snapshot\'s file name inside the claim.' })),
    revision: Type.Optional(Type.String({ description: 'The key-value revision the snapshot holds.' })),
    size: Type.Optional(Type.Integer({ description: 'Bytes of the snapshot\'s database.' })),
    hash: Type.Optional(Type.String({ description: 'etcdutl\'s hash of the snapshot\'s contents.' })),
    sha256: Type.Optional(Type.String({ description: 'The sha256 of the snapshot file as stored in the claim.' })),
    keys: Type.Optional(Type.Integer()),
    etcdVersion: Type.Optional(Type.String({ description: 'The etcd version that took it.' })),
    completionTime: Type.Optional(Type.String()),
  }),
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Revision', type: 'string', jsonPath: '.status.revision' },
    { name: 'Size', type: 'integer', jsonPath: '.status.size' },
  ],
});
