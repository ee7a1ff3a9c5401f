import { customResourceClass } from '../../src/constructs/index.js';
import { EtcdClusterType, etcdOperator } from './etcd-cluster-type.js';

/** `new EtcdCluster(chart, 'config-store', { size: 3 })`: the cluster, its CRD and its operator. */
export class EtcdCluster extends customResourceClass(EtcdClusterType, etcdOperator) {}
