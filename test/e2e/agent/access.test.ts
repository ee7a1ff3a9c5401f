import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/k8s/index.js';
import { eventually, useNamespace } from '../harness.js';
import { condition, configMap, installSyncCrd, startPodAgent, syncRef, TestRepository, type PodAgent, type SyncObject } from './helpers.js';

const ns = useNamespace('agent-access');
const repo = new TestRepository();
let agent: PodAgent;

const cm = (name: string) => ns.client.get<KubeObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name });
const getSync = (name: string) => ns.client.get<SyncObject>(syncRef(ns.name, name));
const rbac = (resource: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource, namespace: ns.name });

async function createSync(name: string, spec: Record<string, unknown>): Promise<void> {
  await ns.client.create(syncRef(ns.name), {
    apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', metadata: { name, namespace: ns.name },
    // A long interval: whatever happens before it comes from a watch or a retry, not the poll.
    spec: { url: repo.url('host.capstan.internal'), interval: '1h', timeout: '1m', secretRef: { name: 'git' }, ...spec },
  });
}

beforeAll(async () => {
  await installSyncCrd(ns.client);
  await repo.start('0.0.0.0');
  agent = await startPodAgent(ns.client, ns.name);
  await ns.client.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'capstan', password: repo.password },
  });
  await ns.client.create({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: ns.name }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer' } });
  await repo.commit('three parts', {
    'restricted/app.yaml': configMap('restricted', { v: '1' }),
    'db/app.yaml': configMap('db', { v: '1' }),
    'web/app.yaml': configMap('web', { v: '1' }),
  });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await repo.dispose();
});

describe('spec.serviceAccountName', () => {
  it('applies nothing with a ServiceAccount that lacks the rights, and says which object and verb were refused', async () => {
    await createSync('restricted', { path: 'restricted', serviceAccountName: 'deployer' });
    const sync = await eventually('the Sync to report the refusal', async () => {
      const s = await getSync('restricted');
      return condition(s, 'Ready')?.status === 'False' ? s : undefined;
    }, 30_000);
    const message = condition(sync, 'Ready')?.message ?? '';
    expect(condition(sync, 'Ready')?.reason).toBe('Forbidden');
    expect(message).toContain(`User "system:serviceaccount:${ns.name}:deployer" cannot`);
    expect(message).toMatch(/configmaps "restricted" is forbidden|cannot (get|list|patch) resource "configmaps"/);
    expect(sync.status?.lastAppliedRevision).toBeUndefined();
    expect(await cm('restricted')).toBeUndefined();
  });

  it('applies at the next reconcile once a RoleBinding grants the rights', async () => {
    await ns.client.create(rbac('roles'), {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'deployer' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] }],
    });
    await ns.client.create(rbac('rolebindings'), {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'deployer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns.name }],
    });
    const sync = await eventually('the Sync to apply as its ServiceAccount', async () => {
      const s = await getSync('restricted');
      return condition(s, 'Ready')?.status === 'True' ? s : undefined;
    }, 30_000);
    expect(sync.status?.inventory).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name, names: ['restricted'] }]);
    expect((await cm('restricted'))?.data).toEqual({ v: '1' });
  });
});

describe('spec.dependsOn', () => {
  it('waits with DependencyNotReady, naming the dependency, while it does not exist', async () => {
    await createSync('web', { path: 'web', dependsOn: [{ name: 'db' }] });
    const sync = await eventually('web to wait', async () => {
      const s = await getSync('web');
      return condition(s, 'Ready')?.reason === 'DependencyNotReady' ? s : undefined;
    }, 30_000);
    expect(condition(sync, 'Ready')).toMatchObject({ status: 'False', message: `spec.dependsOn: waiting for Sync ${ns.name}/db, which does not exist` });
    expect(condition(sync, 'Stalled')?.status).toBe('False');
    expect(await cm('web')).toBeUndefined();
  });

  it('is applied as soon as the dependency is Ready, woken by the watch rather than its 1h interval', async () => {
    await createSync('db', { path: 'db' });
    await eventually('db to be Ready', async () => condition(await getSync('db'), 'Ready')?.status === 'True', 30_000);
    const sync = await eventually('web to be applied after db', async () => {
      const s = await getSync('web');
      return condition(s, 'Ready')?.status === 'True' ? s : undefined;
    }, 20_000);
    expect(sync.status?.lastAppliedRevision).toBe((await getSync('db'))?.status?.lastAppliedRevision);
    expect((await cm('web'))?.data).toEqual({ v: '1' });
  });
});

describe('deleting a Sync', () => {
  it('deletes what it applied as its ServiceAccount', async () => {
    await ns.client.delete(syncRef(ns.name, 'restricted'));
    await eventually('restricted to be finalized and gone', async () => (await getSync('restricted')) === undefined, 30_000);
    expect(await cm('restricted')).toBeUndefined();
  });

  it('leaves what it applied when prune is false, which also drops the finalizer', async () => {
    await ns.client.patch(syncRef(ns.name, 'db'), 'merge', { spec: { prune: false } });
    await eventually('db to drop its finalizer', async () => ((await getSync('db'))?.metadata.finalizers ?? []).length === 0, 30_000);
    await ns.client.delete(syncRef(ns.name, 'db'));
    await eventually('db to be gone', async () => (await getSync('db')) === undefined, 30_000);
    expect((await cm('db'))?.data).toEqual({ v: '1' });
  });
});
