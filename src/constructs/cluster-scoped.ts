import { ApiObject } from 'cdk8s';

/**
 * An object without a namespace (a CRD, a ClusterRole, ...). cdk8s stamps the chart's
 * namespace on every object; a cluster-scoped one must not carry it.
 */
export class ClusterScopedObject extends ApiObject {
  override toJson(): any {
    const json = super.toJson();
    if (json?.metadata) delete json.metadata.namespace;
    return json;
  }
}
