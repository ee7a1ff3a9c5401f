import { customResourceClass } from '../../src/constructs/index.js';
import { EtcdBackupType } from './etcd-backup-type.js';
import { etcdOperator } from './etcd-cluster-type.js';

/** `new EtcdBackup(chart, 'nightly', { clusterName: 'config-store', claimName: 'etcd-snapshots' })`: one snapshot into a claim. */
export class EtcdBackup extends customResourceClass(EtcdBackupType, etcdOperator) {}
