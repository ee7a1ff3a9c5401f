import { Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import type { TObject } from '@sinclair/typebox';
import type { CustomResourceType } from './schema/custom-resource.js';
import { ClusterScopedObject } from './cluster-scoped.js';
import { singleton } from './singletons.js';

/**
 * The CustomResourceDefinition of a kind, written once per app into the chart of the first
 * construct that needs it.
 */
export function ensureCrd(scope: IConstruct, type: CustomResourceType<TObject, TObject>): ClusterScopedObject {
  return singleton(scope, `crd:${type.crdName}`, () => {
    const chart = Chart.of(scope);
    return new ClusterScopedObject(chart, `crd-${type.crdName}`, structuredClone(type.crd));
  });
}
