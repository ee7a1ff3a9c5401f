import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { ClusterScopedObject } from '../../src/constructs/index.js';
import { EtcdCluster } from './etcd-cluster.js';

/** The etcd app: a three-member EtcdCluster and the `etcd` operator that runs it, in their own namespace. */
export class EtcdChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps & { namespace: string }) {
    super(scope, id, props);
    new ClusterScopedObject(this, 'namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: props.namespace } });
    new EtcdCluster(this, 'config-store', { size: 3, version: '3.6.16' });
  }
}
