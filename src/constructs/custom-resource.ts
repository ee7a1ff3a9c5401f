import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Static, TObject } from '@sinclair/typebox';
import { READY_CONDITION_ANNOTATION } from './schema/ready-condition.js';
import type { CustomResourceType } from './schema/custom-resource.js';
import type { OperatorDefinition } from './schema/operator.js';
import { ensureCrd } from './crd.js';
import { OperatorInstall } from './operator-install.js';
import { objectName } from './names.js';
import { ConstructPropsError, SpecValidationError } from './errors.js';

/** Where and how a custom object is written, besides its spec. */
export interface CustomObjectOptions {
  /** @default the construct id */
  readonly name?: string;
  /** @default the chart's namespace */
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** Props of {@link CustomResource}. */
export interface CustomResourceProps<S extends TObject> extends CustomObjectOptions {
  readonly type: CustomResourceType<S, TObject>;
  readonly spec: Static<S>;
  /** The operator that reconciles it; installed once per namespace alongside. Omit to write only the CRD and the object. */
  readonly operator?: OperatorDefinition;
}

/** The object's annotations with the kind's ready condition, which the apply engine's health check reads. */
function readiness(type: CustomResourceType<TObject, TObject>, annotations: Record<string, string> | undefined): Record<string, string> {
  return type.readyCondition ? { [READY_CONDITION_ANNOTATION]: type.readyCondition, ...annotations } : { ...annotations };
}

/**
 * One custom object, validated against its schema at synth time, written together with its
 * CRD and (when given) its operator's install.
 */
export class CustomResource<S extends TObject = TObject> extends ApiObject {
  /** The validated spec as written. */
  readonly spec: Static<S>;
  /** The operator install serving this object, when an operator was given. */
  readonly install: OperatorInstall | undefined;
  private readonly clusterScoped: boolean;

  constructor(scope: Construct, id: string, props: CustomResourceProps<S>) {
    const { type } = props;
    const chart = Chart.of(scope);
    const namespace = type.scope === 'Namespaced' ? props.namespace ?? chart.namespace : undefined;
    super(scope, id, {
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: {
        name: props.name ?? id,
        ...(namespace ? { namespace } : {}),
        ...(props.labels ? { labels: props.labels } : {}),
        ...(props.annotations || type.readyCondition ? { annotations: readiness(type, props.annotations) } : {}),
      },
      spec: props.spec,
    });
    // The name check needs `this` for the construct path in its error, so it runs after super().
    objectName(this, props.name);
    this.clusterScoped = type.scope === 'Cluster';
    const issues = type.specIssues(props.spec);
    if (issues.length > 0) throw new SpecValidationError(this.node.path, type.kind, issues);
    this.spec = props.spec;
    this.node.addDependency(ensureCrd(this, type));

    if (props.operator) {
      if (!props.operator.reconciles.includes(type)) {
        throw new ConstructPropsError(this, 'operator', `operator ${props.operator.name} does not list ${type.kind} in reconciles`);
      }
      if (!namespace) {
        throw new ConstructPropsError(this, 'namespace', `the ${props.operator.name} operator is installed in the namespace of its resources; give the chart or the resource a namespace`);
      }
      this.install = OperatorInstall.ensure(this, props.operator, namespace);
    } else {
      this.install = undefined;
    }
  }

  override toJson(): any {
    const json = super.toJson();
    if (this.clusterScoped && json?.metadata) delete json.metadata.namespace;
    return json;
  }
}

/** The constructor of a generated custom resource class. */
export interface CustomResourceClass<S extends TObject> {
  new (scope: Construct, id: string, spec: Static<S>, options?: CustomObjectOptions): CustomResource<S>;
  /** The kind this class writes. */
  readonly type: CustomResourceType<S, TObject>;
}

/**
 * A construct class for one kind, so an app writes `new EtcdCluster(chart, 'etcd', { size: 3 })`:
 * `export class EtcdCluster extends customResourceClass(EtcdClusterType, etcdOperator) {}`.
 */
export function customResourceClass<S extends TObject>(type: CustomResourceType<S, TObject>, operator?: OperatorDefinition): CustomResourceClass<S> {
  const cls = class extends CustomResource<S> {
    static readonly type = type;
    constructor(scope: Construct, id: string, spec: Static<S>, options: CustomObjectOptions = {}) {
      super(scope, id, { ...options, type, spec, ...(operator ? { operator } : {}) });
    }
  };
  return cls;
}
