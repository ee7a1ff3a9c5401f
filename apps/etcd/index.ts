export { EtcdCluster } from './etcd-cluster.js';
export { EtcdBackup } from './etcd-backup.js';
export { EtcdClusterType, etcdOperator, etcdReleases, defaultEtcdVersion } from './etcd-cluster-type.js';
export { EtcdBackupType } from './etcd-backup-type.js';
export { registerEtcd } from './operator/reconcile.js';
