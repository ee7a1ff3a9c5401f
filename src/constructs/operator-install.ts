import { ApiObject, Chart } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULT_OPERATOR_IMAGE, OPERATOR_PORT, operatorRules, type OperatorDefinition } from './schema/operator.js';
import { ClusterScopedObject } from './cluster-scoped.js';
import { ensureCrd } from './crd.js';
import { singleton } from './singletons.js';
import { standardLabels } from './names.js';
import { ConstructPropsError } from './errors.js';

/** App context key that overrides the default operator image for every operator. */
export const IMAGE_CONTEXT_KEY = 'capstan.dev/image';

/** Props of {@link OperatorInstall}. */
export interface OperatorInstallProps {
  readonly operator: OperatorDefinition;
  /** Namespace the operator runs in (and, unless cluster-wide, watches). */
  readonly namespace: string;
}

/**
 * Everything that runs one operator in one namespace: its CRDs, a ServiceAccount, the
 * least-privilege Role (or ClusterRole when cluster-wide) with its binding, the operator
 * Deployment with leader election, probes and metrics, a metrics Service and a
 * PodDisruptionBudget. Use {@link OperatorInstall.ensure} so an app gets one per namespace.
 */
export class OperatorInstall extends Construct {
  /**
   * The install of `operator` in `namespace`, created in the chart of `scope` the first time
   * any construct of the app asks for it.
   */
  static ensure(scope: IConstruct, operator: OperatorDefinition, namespace: string): OperatorInstall {
    const key = operator.clusterWide ? `operator:${operator.name}` : `operator:${operator.name}:${namespace}`;
    return singleton(scope, key, () => new OperatorInstall(Chart.of(scope), `operator-${operator.name}-${namespace}`, { operator, namespace }));
  }

  /** Name shared by the ServiceAccount, Role, Deployment and PodDisruptionBudget. */
  readonly name: string;
  /** The operator Deployment. */
  readonly deployment: ApiObject;

  constructor(scope: Construct, id: string, props: OperatorInstallProps) {
    super(scope, id);
    const { operator, namespace } = props;
    const options = operator.options;
    if (options.image !== undefined && options.image.trim() === '') throw new ConstructPropsError(this, 'image', 'must not be empty');
    this.name = `${operator.name}-operator`;
    const labels = standardLabels(this.name, 'operator');
    const selector = { 'app.kubernetes.io/name': this.name };
    const metadata = (name = this.name) => ({ name, namespace, labels });
    const image = options.image ?? (this.node.tryGetContext(IMAGE_CONTEXT_KEY) as string | undefined) ?? DEFAULT_OPERATOR_IMAGE;

    for (const type of operator.reconciles) ensureCrd(this, type);

    const account = new ApiObject(this, 'service-account', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata() });
    const subject = { kind: 'ServiceAccount', name: account.name, namespace };
    const rules = operatorRules(operator);
    const role = new ApiObject(this, 'role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: metadata(), rules: rules.namespaced });
    const binding = new ApiObject(this, 'role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [subject],
    });
    binding.node.addDependency(role, account);

    this.deployment = new ApiObject(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(),
      spec: {
        replicas: options.replicas ?? 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: account.name,
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'operator',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['capstan'],
              args: ['operator', operator.name],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'CAPSTAN_WATCH_NAMESPACE', value: operator.clusterWide ? '' : namespace },
                { name: 'CAPSTAN_LEADER_ELECTION', value: 'true' },
                { name: 'CAPSTAN_LEADER_ELECTION_LEASE', value: operator.leaseName },
                { name: 'CAPSTAN_PORT', value: String(OPERATOR_PORT) },
              ],
              ports: [{ name: 'metrics', containerPort: OPERATOR_PORT, protocol: 'TCP' }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5, failureThreshold: 3 },
              resources: options.resources ?? { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            }],
          },
        },
      },
    });
    this.deployment.node.addDependency(binding);

    if (operator.clusterWide) {
      const clusterName = `capstan:${this.name}:${namespace}`;
      const clusterRole = new ClusterScopedObject(this, 'cluster-role', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: clusterName, labels },
        rules: rules.cluster,
      });
      const clusterBinding = new ClusterScopedObject(this, 'cluster-role-binding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
        subjects: [subject],
      });
      clusterBinding.node.addDependency(clusterRole, account);
      this.deployment.node.addDependency(clusterBinding);
    }

    new ApiObject(this, 'metrics-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(`${this.name}-metrics`),
      spec: { selector, ports: [{ name: 'metrics', port: OPERATOR_PORT, targetPort: 'metrics', protocol: 'TCP' }] },
    });
    // maxUnavailable 1 lets a single replica be drained and keeps one of two during disruptions.
    new ApiObject(this, 'pdb', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
  }
}
