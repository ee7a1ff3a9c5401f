import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chart, Testing } from 'cdk8s';
import { Type } from '@sinclair/typebox';
import { customResourceClass, defineCustomResource, defineOperator } from '../../../src/constructs/index.js';
import { type KubeClient, type KubeObject } from '../../../src/k8s/index.js';
import { useNamespace } from '../harness.js';
import { crdRef, installCrd, serviceAccountClient, statusOf } from './helpers.js';

const { name: ns, client: admin } = useNamespace('constructs-rbac');

const WidgetType = defineCustomResource({
  group: 'e2e-constructs.capstan.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  spec: Type.Object({ size: Type.Integer({ minimum: 1 }) }),
  status: Type.Object({ ready: Type.Optional(Type.Integer()) }),
});
const widgetOperator = defineOperator({
  name: 'widget',
  reconciles: [WidgetType],
  owns: [{ apiVersion: 'apps/v1', kind: 'Deployment' }, { apiVersion: 'v1', kind: 'ConfigMap' }],
  watches: [{ apiVersion: 'v1', kind: 'Service' }],
});
class Widget extends customResourceClass(WidgetType, widgetOperator) {}

const widgets = { group: WidgetType.group, version: 'v1', resource: 'widgets', namespace: ns };
const operatorName = 'widget-operator';

describe('the generated operator RBAC on the real cluster', () => {
  let created = false;
  let operator: KubeClient;
  let widgetUid = '';

  beforeAll(async () => {
    const chart = new Chart(Testing.app(), 'rbac', { namespace: ns });
    new Widget(chart, 'w1', { size: 1 });
    const objects = Testing.synth(chart) as KubeObject[];
    created = await installCrd(admin, objects.find((o) => o.kind === 'CustomResourceDefinition')!);
    const refs: Record<string, { group: string; version: string; resource: string }> = {
      ServiceAccount: { group: '', version: 'v1', resource: 'serviceaccounts' },
      Role: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' },
      RoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' },
      Widget: widgets,
    };
    for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'Widget']) {
      const object = objects.find((o) => o.kind === kind)!;
      await admin.apply({ ...refs[kind]!, namespace: ns, name: object.metadata.name }, object, { fieldManager: 'capstan-e2e-constructs' });
    }
    widgetUid = (await admin.get({ ...widgets, name: 'w1' }))!.metadata.uid!;
    operator = await serviceAccountClient(admin, ns, operatorName);
  });
  afterAll(async () => {
    operator?.close();
    if (created) await admin.delete(crdRef(WidgetType.crdName));
  });

  it('is sufficient: the operator reads its resource, writes status and finalizers, owns children, elects a leader and records events', async () => {
    expect((await operator.list(widgets)).items.map((w) => w.metadata.name)).toEqual(['w1']);
    await operator.patch({ ...widgets, name: 'w1', subresource: 'status' }, 'merge', { status: { ready: 1, observedGeneration: 1 } });
    await operator.patch({ ...widgets, name: 'w1' }, 'merge', { metadata: { finalizers: ['e2e-constructs.capstan.dev/cleanup'] } });
    const owner = { apiVersion: WidgetType.apiVersion, kind: 'Widget', name: 'w1', uid: widgetUid, controller: true, blockOwnerDeletion: true };
    // Setting blockOwnerDeletion needs update on widgets/finalizers where the
    // OwnerReferencesPermissionEnforcement admission plugin is on; ask the authorizer directly.
    const review = await operator.create<KubeObject & { status: { allowed: boolean } }>({ group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews' }, {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
      spec: { resourceAttributes: { namespace: ns, verb: 'update', group: WidgetType.group, resource: 'widgets', subresource: 'finalizers', name: 'w1' } },
    });
    expect(review.status.allowed).toBe(true);
    await operator.apply({ group: 'apps', version: 'v1', resource: 'deployments', namespace: ns, name: 'w1' }, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w1', namespace: ns, ownerReferences: [owner] },
      spec: { replicas: 0, selector: { matchLabels: { app: 'w1' } }, template: { metadata: { labels: { app: 'w1' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    }, { fieldManager: 'capstan-widget' });
    await operator.create({ group: '', version: 'v1', resource: 'configmaps', namespace: ns }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1', ownerReferences: [owner] }, data: { a: 'b' } });
    await operator.delete({ group: '', version: 'v1', resource: 'configmaps', namespace: ns, name: 'w1' });
    expect((await operator.list({ group: '', version: 'v1', resource: 'services', namespace: ns })).items).toBeDefined();
    await operator.create({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: ns }, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: widgetOperator.leaseName }, spec: { holderIdentity: 'e2e', leaseDurationSeconds: 15 },
    });
    await operator.create({ group: '', version: 'v1', resource: 'events', namespace: ns }, {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'w1.e2e' }, involvedObject: { ...owner, namespace: ns }, reason: 'Reconciled', message: 'ok', type: 'Normal',
    });
    // Let the admin drop the finalizer so namespace deletion is not held up.
    await admin.patch({ ...widgets, name: 'w1' }, 'merge', { metadata: { finalizers: null } });
  });

  it('is minimal: anything not declared is denied', async () => {
    const core = (resource: string, namespace = ns) => ({ group: '', version: 'v1', resource, namespace });
    expect(await statusOf(() => operator.list(core('secrets')))).toBe(403);
    expect(await statusOf(() => operator.list(core('pods')))).toBe(403);
    expect(await statusOf(() => operator.create(core('services'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80 }] } }))).toBe(403);
    expect(await statusOf(() => operator.delete({ ...widgets, name: 'w1' }))).toBe(403);
    expect(await statusOf(() => operator.create(widgets, { apiVersion: WidgetType.apiVersion, kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 1 } }))).toBe(403);
    expect(await statusOf(() => operator.list({ group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default' }))).toBe(403);
    expect(await statusOf(() => operator.list({ group: 'apps', version: 'v1', resource: 'statefulsets', namespace: ns }))).toBe(403);
  });
});
