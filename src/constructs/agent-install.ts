import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterScopedObject } from './cluster-scoped.js';
import { ensureCrd } from './crd.js';
import { ConstructPropsError } from './errors.js';
import { standardLabels } from './names.js';
import { IMAGE_CONTEXT_KEY } from './operator-install.js';
import { DEFAULT_OPERATOR_IMAGE, OPERATOR_PORT } from './schema/operator.js';
import { SyncType, type SpecOf } from './schema/index.js';

/** The port of the agent's webhook receiver. */
export const AGENT_WEBHOOK_PORT = 9292;
/** Name of the agent's ServiceAccount, Deployment and Service. */
export const AGENT_NAME = 'capstan-agent';

/** Props of {@link AgentInstall}. */
export interface AgentInstallProps {
  /**
   * Namespace the agent runs in (created with it).
   * @default 'capstan-system'
   */
  readonly namespace?: string;
  /**
   * Image holding the `capstan` CLI.
   * @default the `capstan.dev/image` context value, else the image built from this repository
   */
  readonly image?: string;
  /**
   * Agent replicas; they elect one leader, the others stand by.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Leave out the ClusterRole that lets the agent write anything. The agent keeps what it needs for
   * itself: reading every kind (it watches what it applied, to repair drift) and impersonating
   * ServiceAccounts. Every Sync must then name a `serviceAccountName` whose rights cover what it
   * applies; a Sync without one is refused by the API server object by object.
   * @default false
   */
  readonly leastPrivilege?: boolean;
  /**
   * Reconcile only the Syncs of this namespace (`capstan agent --namespace`); the agent's rights
   * stay cluster-wide, as a Sync may apply to any namespace.
   * @default every namespace
   */
  readonly watchNamespace?: string;
  /** The first Sync, in the agent's namespace: its name and spec. @default none */
  readonly sync?: { readonly name: string; readonly spec: SpecOf<typeof SyncType> };
}

/** The apply engine's annotation that keeps an object from ever being pruned. */
const PRUNE_ANNOTATION = 'capstan.dev/prune';

/**
 * Everything that runs the sync agent: its namespace, the Sync CRD, a ServiceAccount, the rights
 * the agent needs for itself (a ClusterRole reading Syncs and their Secrets, writing their status
 * and Events, impersonating the ServiceAccounts Syncs name; a Role for its leader-election Lease),
 * the rights to apply what the repositories hold (a second ClusterRole with every verb on every
 * resource, as a repository may hold anything, RBAC included; left out with `leastPrivilege`), a
 * Deployment running `capstan agent` with leader election and probes, and a Service for webhooks
 * (port 9292) and metrics (port 8080). With `sync`, the first Sync too.
 */
export class AgentInstall extends Construct {
  /** The agent's namespace. */
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: AgentInstallProps = {}) {
    super(scope, id);
    const namespace = (this.namespace = props.namespace ?? 'capstan-system');
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) throw new ConstructPropsError(this, 'replicas', `must be a positive integer, got ${replicas}`);
    if (props.image !== undefined && props.image.trim() === '') throw new ConstructPropsError(this, 'image', 'must not be empty');
    if (props.watchNamespace !== undefined && props.watchNamespace.trim() === '') throw new ConstructPropsError(this, 'watchNamespace', 'must not be empty: leave it out to reconcile every namespace');
    const image = props.image ?? (this.node.tryGetContext(IMAGE_CONTEXT_KEY) as string | undefined) ?? DEFAULT_OPERATOR_IMAGE;
    const labels = standardLabels(AGENT_NAME, 'sync-agent');
    const selector = { 'app.kubernetes.io/name': AGENT_NAME };
    const metadata = (name = AGENT_NAME) => ({ name, namespace, labels });
    const clusterName = (suffix: string) => `capstan:agent:${namespace}${suffix}`;

    new ClusterScopedObject(this, 'namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } });
    ensureCrd(this, SyncType);
    new ApiObject(this, 'service-account', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata() });
    const subjects = [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace }];
    const clusterRole = (cid: string, name: string, rules: unknown[]) => {
      new ClusterScopedObject(this, cid, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules });
      new ClusterScopedObject(this, `${cid}-binding`, {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects,
      });
    };
    clusterRole('agent-role', clusterName(''), [
      // patch: the finalizer that deletes what a Sync applied when it is deleted.
      { apiGroups: [SyncType.group], resources: [SyncType.plural], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [SyncType.group], resources: [`${SyncType.plural}/status`], verbs: ['get', 'patch', 'update'] },
      // list, watch: the git credentials a Sync names are watched (one name each), not read at every interval.
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
      // Whether a deleted Sync's namespace is going too: then a failed prune does not hold it up.
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
      // spec.serviceAccountName: every read, dry-run, apply and prune of that Sync is made as its ServiceAccount.
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
      ...(props.leastPrivilege ? [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }] : []),
    ]);
    // Writing RBAC objects needs `bind` and `escalate` as well, or a repository could not hold a Role and its binding.
    if (!props.leastPrivilege) clusterRole('apply-role', clusterName(':apply'), [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    new ApiObject(this, 'lease-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: metadata(),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] }],
    });
    new ApiObject(this, 'lease-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: metadata(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AGENT_NAME }, subjects,
    });
    new ApiObject(this, 'deployment', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: metadata(),
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: AGENT_NAME,
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'agent',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['capstan'],
              args: ['agent'],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'CAPSTAN_LEADER_ELECTION', value: 'true' },
                ...(props.watchNamespace ? [{ name: 'CAPSTAN_WATCH_NAMESPACE', value: props.watchNamespace }] : []),
                { name: 'CAPSTAN_PORT', value: String(OPERATOR_PORT) },
                { name: 'CAPSTAN_WEBHOOK_PORT', value: String(AGENT_WEBHOOK_PORT) },
                { name: 'CAPSTAN_GIT_CACHE', value: '/var/cache/capstan/git' },
                // The root filesystem is read-only: SSH keys are written beside the cache.
                { name: 'TMPDIR', value: '/var/cache/capstan/tmp' },
              ],
              ports: [
                { name: 'metrics', containerPort: OPERATOR_PORT, protocol: 'TCP' },
                { name: 'webhook', containerPort: AGENT_WEBHOOK_PORT, protocol: 'TCP' },
              ],
              livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5, failureThreshold: 3 },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'cache', mountPath: '/var/cache/capstan' }],
            }],
            volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Gi' } }],
          },
        },
      },
    });
    new ApiObject(this, 'service', {
      apiVersion: 'v1', kind: 'Service', metadata: metadata(),
      spec: {
        selector,
        ports: [
          { name: 'webhook', port: AGENT_WEBHOOK_PORT, targetPort: 'webhook', protocol: 'TCP' },
          { name: 'metrics', port: OPERATOR_PORT, targetPort: 'metrics', protocol: 'TCP' },
        ],
      },
    });
    if (props.sync) {
      const issues = SyncType.specIssues(props.sync.spec);
      if (issues.length) throw new ConstructPropsError(this, 'sync.spec', issues.map((i) => `${i.field}: ${i.message}`).join('; '));
      // Deleting a Sync deletes everything it applied, so installing the agent again with another
      // first Sync must add that Sync, never prune the earlier one: `capstan.dev/prune: disabled`.
      new ApiObject(this, 'sync', {
        apiVersion: SyncType.apiVersion, kind: SyncType.kind,
        metadata: { name: props.sync.name, namespace, labels, annotations: { [PRUNE_ANNOTATION]: 'disabled' } },
        spec: props.sync.spec,
      });
    }
  }
}
