/**
 * The REST names of the built-in kinds an operator commonly owns or watches. Synthesis has no
 * cluster to ask, so RBAC is computed from this table; a kind outside it must name its
 * resource (plural) and scope explicitly.
 */

/** A kind as an operator declares it. */
export interface KindRef {
  /** e.g. `apps/v1` or `v1`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** Plural resource name; required for kinds missing from the built-in table. */
  readonly resource?: string;
  /** Required with `resource` for kinds missing from the built-in table. */
  readonly namespaced?: boolean;
  /** Subresources the operator also needs on this kind, e.g. `['log']` for pods. */
  readonly subresources?: readonly string[];
}

/** Where a kind lives in the REST API. */
export interface ResourceName {
  readonly group: string;
  readonly resource: string;
  readonly namespaced: boolean;
}

const BUILTIN: Record<string, ResourceName> = {};
function add(group: string, namespaced: boolean, kinds: Record<string, string>): void {
  for (const [kind, resource] of Object.entries(kinds)) BUILTIN[`${group}/${kind}`] = { group, resource, namespaced };
}
add('', true, {
  Pod: 'pods', Service: 'services', ConfigMap: 'configmaps', Secret: 'secrets', ServiceAccount: 'serviceaccounts',
  PersistentVolumeClaim: 'persistentvolumeclaims', Endpoints: 'endpoints', Event: 'events',
  ReplicationController: 'replicationcontrollers', LimitRange: 'limitranges', ResourceQuota: 'resourcequotas',
});
add('', false, { Namespace: 'namespaces', Node: 'nodes', PersistentVolume: 'persistentvolumes' });
add('apps', true, { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', ReplicaSet: 'replicasets', ControllerRevision: 'controllerrevisions' });
add('batch', true, { Job: 'jobs', CronJob: 'cronjobs' });
add('policy', true, { PodDisruptionBudget: 'poddisruptionbudgets' });
add('autoscaling', true, { HorizontalPodAutoscaler: 'horizontalpodautoscalers' });
add('networking.k8s.io', true, { Ingress: 'ingresses', NetworkPolicy: 'networkpolicies' });
add('networking.k8s.io', false, { IngressClass: 'ingressclasses' });
add('discovery.k8s.io', true, { EndpointSlice: 'endpointslices' });
add('coordination.k8s.io', true, { Lease: 'leases' });
add('events.k8s.io', true, { Event: 'events' });
add('rbac.authorization.k8s.io', true, { Role: 'roles', RoleBinding: 'rolebindings' });
add('rbac.authorization.k8s.io', false, { ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings' });
add('apiextensions.k8s.io', false, { CustomResourceDefinition: 'customresourcedefinitions' });
add('storage.k8s.io', false, { StorageClass: 'storageclasses' });

/** Raised for a kind that cannot be mapped to a resource. */
export class UnmappedKindError extends Error {
  constructor(owner: string, ref: KindRef) {
    super(`${owner}: kind ${ref.apiVersion} ${ref.kind} is not a built-in kind Capstan knows; give its plural \`resource\` and \`namespaced\` in the declaration`);
    this.name = 'UnmappedKindError';
  }
}

/** The group, plural and scope of a declared kind; `owner` names the declaration in errors. */
export function resourceOf(ref: KindRef, owner: string): ResourceName {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  if (ref.resource !== undefined) {
    if (ref.namespaced === undefined) throw new UnmappedKindError(owner, ref);
    return { group, resource: ref.resource, namespaced: ref.namespaced };
  }
  const known = BUILTIN[`${group}/${ref.kind}`];
  if (!known) throw new UnmappedKindError(owner, ref);
  return known;
}
