import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { applyDefaults } from './apply-defaults.js';
import { toStructural, type JSONSchemaProps } from './structural.js';
import { StandardStatusSchema, type StandardStatus } from './conditions.js';
import { formatIssues, schemaIssues, type SchemaIssue } from './issues.js';
import type { Resolved } from './defaulted.js';

/** An extra column of `kubectl get`. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** JSONPath into the object, e.g. `.spec.size`. */
  readonly jsonPath: string;
  readonly description?: string;
  /** 0 shows in the default view; higher only with `-o wide`. @default 0 */
  readonly priority?: number;
  readonly format?: string;
}

/** The scale subresource: lets `kubectl scale` and autoscalers drive a replica count in the spec. */
export interface ScaleSubresource {
  /** e.g. `.spec.size`; must be an integer field of the spec. */
  readonly specReplicasPath: string;
  /** e.g. `.status.readyMembers`; must be an integer field of the status. */
  readonly statusReplicasPath: string;
  /** e.g. `.status.selector`, a string field holding the label selector of the pods. */
  readonly labelSelectorPath?: string;
}

/** Everything that defines one custom resource kind. */
export interface CustomResourceOptions<S extends TObject, St extends TObject> {
  /** API group, a DNS subdomain such as `etcd.capstan.dev`. */
  readonly group: string;
  /** e.g. `v1alpha1`. One served and stored version per definition. */
  readonly version: string;
  /** UpperCamelCase kind, e.g. `EtcdCluster`. */
  readonly kind: string;
  /** Lowercase plural resource name, e.g. `etcdclusters`. */
  readonly plural: string;
  /** @default the lowercased kind */
  readonly singular?: string;
  /** @default 'Namespaced' */
  readonly scope?: 'Namespaced' | 'Cluster';
  /** The spec schema: the single source of the CRD schema, the construct props and the operator's view. */
  readonly spec: S;
  /** Status fields the operator writes; `observedGeneration` and `conditions` are always added. */
  readonly status?: St;
  /** Shown by `kubectl explain`. */
  readonly description?: string;
  /** Columns for `kubectl get`, before the Ready and Age columns every resource gets. */
  readonly printerColumns?: readonly PrinterColumn[];
  readonly shortNames?: readonly string[];
  /** e.g. `['all', 'capstan']` so `kubectl get capstan` lists it. */
  readonly categories?: readonly string[];
  readonly scale?: ScaleSubresource;
  /**
   * The condition its operator sets True once an object serves what its spec asks (`Ready`,
   * `Available`). Objects written by the construct carry it as `capstan.dev/ready-condition`,
   * so `capstan apply --wait` and the sync agent wait for it, not just for the object to exist.
   */
  readonly readyCondition?: string;
}

/** A custom object as the operator sees it: typed spec, typed (possibly absent) status. */
export interface CustomObject<Spec, Status> {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    [field: string]: unknown;
  };
  spec: Spec;
  status?: Status;
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition manifest, as plain JSON. */
export interface CustomResourceDefinitionManifest {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: JSONSchemaProps;
}

/**
 * A custom resource kind defined from one TypeBox schema. It holds no cdk8s: operators
 * import it for their typed view, constructs import it to write resources and the CRD.
 */
export interface CustomResourceType<S extends TObject = TObject, St extends TObject = TObject> {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly scope: 'Namespaced' | 'Cluster';
  /** `group/version`. */
  readonly apiVersion: string;
  /** Same as `plural`: with `apiVersion`, `kind` and `namespaced` this is a controller `Kind`. */
  readonly resource: string;
  readonly namespaced: boolean;
  /** The CRD's name, `plural.group`. */
  readonly crdName: string;
  /** The condition that says an object is ready, when the kind declares one. */
  readonly readyCondition: string | undefined;
  readonly specSchema: S;
  /** The user's status schema merged with the standard status fields. */
  readonly statusSchema: TObject;
  /** The CustomResourceDefinition that installs this kind. */
  readonly crd: CustomResourceDefinitionManifest;
  /** Every way `spec` breaks the schema, fields written as `spec.…`; empty when valid. */
  specIssues(spec: unknown): SchemaIssue[];
  /**
   * The operator's typed view of an object read from the API server: defaults filled in,
   * spec and status checked. Throws {@link CustomObjectInvalidError} naming the fields.
   */
  view(object: unknown): CustomObject<Resolved<S>, Resolved<St> & StandardStatus>;
  /**
   * Type-only carrier (the value is undefined): `spec` is what a construct writes, `view` what
   * the operator reads (defaulted fields present), `status` and `object` the operator's types.
   */
  readonly types: { spec: Static<S>; view: Resolved<S>; status: Resolved<St> & StandardStatus; object: CustomObject<Resolved<S>, Resolved<St> & StandardStatus> };
}

/** The spec a construct writes for a custom resource kind (defaulted fields optional). */
export type SpecOf<T extends CustomResourceType<TObject, TObject>> = T['types']['spec'];
/** The spec the operator reads (defaulted fields present). */
export type SpecViewOf<T extends CustomResourceType<TObject, TObject>> = T['types']['view'];
/** The status type of a custom resource kind, standard fields included. */
export type StatusOf<T extends CustomResourceType<TObject, TObject>> = T['types']['status'];
/** The object type the operator reads. */
export type ObjectOf<T extends CustomResourceType<TObject, TObject>> = T['types']['object'];

/** Raised by `view()` when an object read from the cluster does not fit the schema. */
export class CustomObjectInvalidError extends Error {
  constructor(readonly object: string, readonly issues: readonly SchemaIssue[]) {
    super(`${object} does not match its schema; fix the object or the schema:\n${formatIssues(issues)}`);
    this.name = 'CustomObjectInvalidError';
  }
}

/** Raised when a definition itself is wrong (bad group, unknown printer-column field, ...). */
export class CustomResourceDefinitionError extends Error {
  constructor(kind: string, field: string, detail: string) {
    super(`custom resource ${kind}: ${field}: ${detail}`);
    this.name = 'CustomResourceDefinitionError';
  }
}

const EMPTY_STATUS = Type.Object({});

/** Defines a custom resource kind: its CRD, its construct props type and its operator view, from one schema. */
export function defineCustomResource<S extends TObject, St extends TObject = typeof EMPTY_STATUS>(
  options: CustomResourceOptions<S, St>,
): CustomResourceType<S, St> {
  checkNames(options);
  const scope = options.scope ?? 'Namespaced';
  const singular = options.singular ?? options.kind.toLowerCase();
  const statusSchema = Type.Object({ ...StandardStatusSchema.properties, ...(options.status ?? EMPTY_STATUS).properties });
  const spec = toStructural(options.spec, 'spec');
  const status = toStructural(statusSchema, 'status');
  const root: JSONSchemaProps = {
    type: 'object',
    ...(options.description ? { description: options.description } : {}),
    properties: { spec, status },
    required: ['spec'],
  };
  checkPaths(options, spec, status);

  const columns = [
    ...(options.printerColumns ?? []).map((c) => ({ ...c })),
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
  const subresources: JSONSchemaProps = { status: {} };
  if (options.scale) subresources['scale'] = { ...options.scale };
  const names: JSONSchemaProps = { kind: options.kind, listKind: `${options.kind}List`, plural: options.plural, singular };
  if (options.shortNames?.length) names['shortNames'] = [...options.shortNames];
  if (options.categories?.length) names['categories'] = [...options.categories];

  const crdName = `${options.plural}.${options.group}`;
  const crd: CustomResourceDefinitionManifest = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName, labels: { 'app.kubernetes.io/managed-by': 'capstan' } },
    spec: {
      group: options.group,
      names,
      scope,
      versions: [{
        name: options.version,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: root },
        subresources,
        additionalPrinterColumns: columns,
      }],
    },
  };

  const apiVersion = `${options.group}/${options.version}`;
  return {
    group: options.group,
    version: options.version,
    kind: options.kind,
    plural: options.plural,
    singular,
    scope,
    apiVersion,
    resource: options.plural,
    namespaced: scope === 'Namespaced',
    crdName,
    readyCondition: options.readyCondition,
    specSchema: options.spec,
    statusSchema,
    crd,
    specIssues: (value) => schemaIssues(options.spec, value, 'spec'),
    view: (object) => viewOf(object, apiVersion, options.kind, options.spec, statusSchema) as never,
    types: undefined as never,
  };
}

function viewOf(object: unknown, apiVersion: string, kind: string, spec: TSchema, status: TSchema): unknown {
  const copy = structuredClone(object) as { metadata?: { name?: string; namespace?: string }; spec?: unknown; status?: unknown };
  const meta = copy?.metadata ?? {};
  const label = `${kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '<unnamed>'}`;
  copy.spec = applyDefaults(spec, copy.spec ?? {});
  const issues = schemaIssues(spec, copy.spec, 'spec');
  if (copy.status !== undefined) {
    copy.status = applyDefaults(status, copy.status);
    issues.push(...schemaIssues(status, copy.status, 'status'));
  }
  if (issues.length > 0) throw new CustomObjectInvalidError(label, issues);
  return { apiVersion, kind, ...copy };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

function checkNames(o: CustomResourceOptions<TObject, TObject>): void {
  const fail = (field: string, detail: string): never => { throw new CustomResourceDefinitionError(o.kind, field, detail); };
  if (!/^[A-Z][A-Za-z0-9]*$/.test(o.kind)) fail('kind', `"${o.kind}" must be UpperCamelCase letters and digits`);
  if (!DNS_SUBDOMAIN.test(o.group)) fail('group', `"${o.group}" must be a lowercase DNS name with at least one dot, e.g. example.capstan.dev`);
  if (!/^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/.test(o.version)) fail('version', `"${o.version}" must look like v1, v1beta1 or v1alpha2`);
  if (!/^[a-z][a-z0-9]*$/.test(o.plural)) fail('plural', `"${o.plural}" must be lowercase letters and digits`);
  if (o.singular !== undefined && !/^[a-z][a-z0-9]*$/.test(o.singular)) fail('singular', `"${o.singular}" must be lowercase letters and digits`);
  for (const s of o.shortNames ?? []) if (!/^[a-z][a-z0-9]*$/.test(s)) fail('shortNames', `"${s}" must be lowercase letters and digits`);
  if (o.spec.type !== 'object') fail('spec', 'must be a Type.Object(...)');
}

/** Printer columns and scale paths must point at fields the schema has, with a fitting type. */
function checkPaths(o: CustomResourceOptions<TObject, TObject>, spec: JSONSchemaProps, status: JSONSchemaProps): void {
  const root: JSONSchemaProps = { type: 'object', properties: { spec, status, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } };
  const need = (field: string, path: string, types: string[]): void => {
    const node = lookup(root, path);
    if (node === 'unknown') return;
    if (!node) throw new CustomResourceDefinitionError(o.kind, field, `${path} names no field of the schema`);
    if (!types.includes(String(node['type']))) {
      throw new CustomResourceDefinitionError(o.kind, field, `${path} is of type ${String(node['type'])}, expected ${types.join(' or ')}`);
    }
  };
  (o.printerColumns ?? []).forEach((c, i) => {
    const types = c.type === 'date' ? ['string'] : c.type === 'number' ? ['number', 'integer'] : [c.type];
    need(`printerColumns[${i}].jsonPath`, c.jsonPath, types);
  });
  if (o.scale) {
    need('scale.specReplicasPath', o.scale.specReplicasPath, ['integer']);
    need('scale.statusReplicasPath', o.scale.statusReplicasPath, ['integer']);
    if (o.scale.labelSelectorPath) need('scale.labelSelectorPath', o.scale.labelSelectorPath, ['string']);
  }
}

/** Follows a simple `.a.b.c` path; 'unknown' for paths with filters or through open objects. */
function lookup(root: JSONSchemaProps, path: string): JSONSchemaProps | undefined | 'unknown' {
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(path)) return 'unknown';
  let node: JSONSchemaProps | undefined = root;
  for (const part of path.slice(1).split('.')) {
    if (!node) return undefined;
    if (node['x-kubernetes-preserve-unknown-fields']) return 'unknown';
    const props = node['properties'] as Record<string, JSONSchemaProps> | undefined;
    node = props?.[part];
  }
  return node;
}
