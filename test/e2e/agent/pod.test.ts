import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacSha256 } from '../../../src/agent/index.js';
import { SyncType } from '../../../src/constructs/schema/index.js';
import { cliCommand } from '../../../src/devcluster/index.js';
import { notifyAgents } from '../../../src/devcluster/git-notify.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { eventually, kubeconfigPath, useNamespace } from '../harness.js';
import { SigningKeys } from '../../fixtures/signing-keys.js';
import { condition, configMap, deleteSyncs, syncRef, TestRepository, type SyncObject } from './helpers.js';

const run = promisify(execFile);
const ns = useNamespace('agent-pod');
const notified: Promise<number>[] = [];
// Pushes reach the agent pod as on the local cluster: the post-receive hook tells the git server, which signs a delivery per Sync.
const repo = new TestRepository((repository, refs) => notified.push(notifyAgents(ns.client, repository, [`host.capstan.internal:${repo.port}`], refs, () => undefined)));
const getSync = () => ns.client.get<SyncObject>(syncRef(ns.name, 'app'));
const cm = (name: string) => ns.client.get<KubeObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name });

/** `capstan bootstrap` of this namespace, as a user runs it; resolves its standard output. */
async function bootstrap(...extra: string[]): Promise<string> {
  const [node, ...args] = cliCommand();
  const { stdout } = await run(node!, [...args, 'bootstrap', '--kubeconfig', kubeconfigPath(), '--url', repo.url('host.capstan.internal'), '-n', ns.name, '--name', 'app', '--secret', 'git', '--interval', '5s', '--timeout', '3m', ...extra], { timeout: 200_000 });
  return stdout;
}

beforeAll(async () => {
  await repo.start('0.0.0.0');
  await ns.client.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'capstan', password: repo.password },
  });
});

afterAll(async () => {
  await deleteSyncs(ns.client, ns.name);
  // This agent watches every namespace: stop it now rather than after the namespace's grace period.
  await ns.client.delete({ group: 'apps', version: 'v1', resource: 'deployments', namespace: ns.name, name: 'capstan-agent' }).catch(() => undefined);
  const pods = await ns.client.list({ group: '', version: 'v1', resource: 'pods', namespace: ns.name }, { labelSelector: 'app.kubernetes.io/name=capstan-agent' });
  for (const pod of pods.items) await ns.client.delete({ group: '', version: 'v1', resource: 'pods', namespace: ns.name, name: pod.metadata.name }, { gracePeriodSeconds: 0 }).catch(() => undefined);
  // The install's cluster-scoped objects outlive the namespace: remove them, and free the CRD for the next install.
  for (const name of [`capstan:agent:${ns.name}`, `capstan:agent:${ns.name}:apply`]) {
    await ns.client.delete({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', name }).catch(() => undefined);
    await ns.client.delete({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', name }).catch(() => undefined);
  }
  await ns.client.patch({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: SyncType.crdName }, 'merge', { metadata: { annotations: { 'capstan.dev/inventory': null } } }).catch(() => undefined);
  await repo.dispose();
});

describe('the agent as a pod on the local node', () => {
  let first = '';

  it('is installed by bootstrap and applies the repository, fetched from host.capstan.internal with in-cluster config', { timeout: 200_000 }, async () => {
    first = await repo.commit('web config', { 'dist/app.yaml': configMap('web', { v: '1' }) });
    const out = await bootstrap();
    expect(out).toContain(`Sync ${ns.name}/app is Ready`);
    const sync = await getSync();
    expect(sync?.status?.lastAppliedRevision).toBe(first);
    expect((await cm('web'))?.data).toEqual({ v: '1' });
    const pods = await ns.client.list<KubeObject & { spec?: { nodeName?: string; serviceAccountName?: string }; status?: { phase?: string } }>({ group: '', version: 'v1', resource: 'pods', namespace: ns.name }, { labelSelector: 'app.kubernetes.io/name=capstan-agent' });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    expect(pod.spec?.nodeName).toMatch(/^capstan-node-/);
    expect(pod.spec?.serviceAccountName).toBe('capstan-agent');
    const lease = await ns.client.get<KubeObject & { spec?: { holderIdentity?: string } }>({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: ns.name, name: 'capstan-agent-leader' });
    expect(lease?.spec?.holderIdentity).toBe(pod.metadata.name);
  });

  it('applies the next push at the polling interval, at once on a webhook to the pod, and at once after a push through the post-receive hook', async () => {
    const second = await repo.commit('v2', { 'dist/app.yaml': configMap('web', { v: '2' }) });
    await eventually('the push to be applied by polling', async () => (await getSync())?.status?.lastAppliedRevision === second, 30_000);
    expect((await cm('web'))?.data).toEqual({ v: '2' });

    const pods = await ns.client.list<KubeObject & { status?: { podIP?: string } }>({ group: '', version: 'v1', resource: 'pods', namespace: ns.name }, { labelSelector: 'app.kubernetes.io/name=capstan-agent' });
    const ip = pods.items[0]?.status?.podIP;
    const secret = await ns.client.get<KubeObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name, name: 'app-webhook' });
    const token = Buffer.from(secret?.data?.['token'] ?? '', 'base64').toString();
    const third = await repo.commit('v3', { 'dist/app.yaml': configMap('web', { v: '3' }) });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: third });
    const res = await fetch(`http://${ip}:9292/hooks/${ns.name}/app`, { method: 'POST', headers: { 'X-Hub-Signature-256': `sha256=${hmacSha256(token, body)}` }, body });
    expect(res.status).toBe(202);
    await eventually('the webhook push to be applied', async () => (await getSync())?.status?.lastAppliedRevision === third, 10_000);
    expect(condition(await getSync(), 'Ready')?.status).toBe('True');

    notified.length = 0;
    const fourth = await repo.commit('v4', { 'dist/app.yaml': configMap('web', { v: '4' }) });
    expect(repo.pushes.at(-1)).toEqual([{ ref: 'refs/heads/main', before: third, after: fourth }]);
    await eventually('the post-receive notification', async () => notified.length > 0);
    expect(await notified[0]).toBe(1);
    await eventually('the hooked push to be applied', async () => (await getSync())?.status?.lastAppliedRevision === fourth, 10_000);
    expect((await cm('web'))?.data).toEqual({ v: '4' });
  });

  it('changes nothing when bootstrap runs again', { timeout: 200_000 }, async () => {
    const out = JSON.parse(await bootstrap('-o', 'json')) as { entries: { action: string }[] };
    expect(out.entries.length).toBeGreaterThan(5);
    expect(out.entries.filter((e) => e.action !== 'unchanged')).toEqual([]);
  });

  it('installs a second Sync beside the first without pruning it, and deleting the second takes only what it applied', { timeout: 200_000 }, async () => {
    await repo.commit('a second app', { 'other/app.yaml': configMap('other', { v: '1' }) });
    const out = await bootstrap('--name', 'second', '--path', 'other');
    expect(out).toContain(`Sync ${ns.name}/second is Ready`);
    expect(await getSync()).toBeDefined();
    expect(await cm('web')).toBeDefined();
    expect((await cm('other'))?.data).toEqual({ v: '1' });
    await ns.client.delete(syncRef(ns.name, 'second'));
    await eventually('the second Sync and its ConfigMap to be gone', async () => !(await cm('other')) && !(await ns.client.get(syncRef(ns.name, 'second'))), 60_000);
    expect(await getSync()).toBeDefined();
    expect(await cm('web')).toBeDefined();
  });

  it('applies a Sync as its ServiceAccount, which the agent may impersonate, once git verified the commit in the pod', { timeout: 120_000 }, async () => {
    const keys = await SigningKeys.create('pod');
    try {
      await ns.client.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'signers' }, stringData: { 'pod.asc': keys.gpgPublicKey } });
      await ns.client.create({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: ns.name }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer' } });
      const rbac = (resource: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource, namespace: ns.name });
      await ns.client.create(rbac('roles'), { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'deployer' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'patch', 'delete'] }] });
      await ns.client.create(rbac('rolebindings'), {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'deployer' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns.name }],
      });
      const signed = await repo.commit('limited, signed', { 'limited/app.yaml': configMap('limited', { v: '1' }) }, keys.gpg);
      await ns.client.create(syncRef(ns.name), {
        apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', metadata: { name: 'limited', namespace: ns.name },
        spec: { url: repo.url('host.capstan.internal'), secretRef: { name: 'git' }, path: 'limited', interval: '5s', serviceAccountName: 'deployer', verify: { secretRef: { name: 'signers' } } },
      });
      const sync = await eventually('the limited Sync to apply the signed commit', async () => {
        const s = await ns.client.get<SyncObject>(syncRef(ns.name, 'limited'));
        if (s?.status?.lastAppliedRevision === signed && condition(s, 'Ready')?.status === 'True') return s;
        throw new Error(`Ready is ${JSON.stringify(condition(s, 'Ready'))}`);
      }, 60_000);
      expect(sync.status?.inventory).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns.name, names: ['limited'] }]);
      expect((await cm('limited'))?.data).toEqual({ v: '1' });
      await ns.client.delete(syncRef(ns.name, 'limited'));
    } finally {
      await keys.dispose();
    }
  });

  it('with --least-privilege, drops the agent\'s write-anything role: a Sync applies only as its ServiceAccount', { timeout: 200_000 }, async () => {
    const applyRole = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', name: `capstan:agent:${ns.name}:apply` };
    expect(await ns.client.get(applyRole)).toBeDefined();
    const out = await bootstrap('--least-privilege', '--service-account', 'deployer');
    expect(out).toContain(`Sync ${ns.name}/app is Ready`);
    expect(await ns.client.get(applyRole)).toBeUndefined();
    expect((await getSync())?.spec).toMatchObject({ serviceAccountName: 'deployer' });

    const pushed = await repo.commit('as the deployer', { 'dist/app.yaml': configMap('web', { v: 'least' }), 'plain/app.yaml': configMap('plain', { v: '1' }) });
    await eventually('the push to be applied as the deployer', async () => (await getSync())?.status?.lastAppliedRevision === pushed, 60_000);
    expect((await cm('web'))?.data).toEqual({ v: 'least' });

    await ns.client.create(syncRef(ns.name), {
      apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', metadata: { name: 'plain', namespace: ns.name },
      spec: { url: repo.url('host.capstan.internal'), secretRef: { name: 'git' }, path: 'plain', interval: '5s' },
    });
    const plain = await eventually('a Sync without a ServiceAccount to be refused', async () => {
      const s = await ns.client.get<SyncObject>(syncRef(ns.name, 'plain'));
      return condition(s, 'Ready')?.status === 'False' ? s : undefined;
    }, 60_000);
    expect(condition(plain, 'Ready')?.message).toContain(`User "system:serviceaccount:${ns.name}:capstan-agent" cannot patch resource "configmaps"`);
    expect(await cm('plain')).toBeUndefined();
    await ns.client.delete(syncRef(ns.name, 'plain'));
  });

  it('has one writer among two replicas, and another replica takes over when the leader is killed', { timeout: 200_000 }, async () => {
    type Pod = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[] } };
    const pods = async () => (await ns.client.list<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: ns.name }, { labelSelector: 'app.kubernetes.io/name=capstan-agent' })).items
      .filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    const holder = async () => (await ns.client.get<KubeObject & { spec?: { holderIdentity?: string } }>({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: ns.name, name: 'capstan-agent-leader' }))?.spec?.holderIdentity;
    const metrics = async (pod: Pod) => (await fetch(`http://${pod.status?.podIP}:8080/metrics`)).text();
    const syncReconciles = (text: string) => [...text.matchAll(/^controller_runtime_reconcile_total\{[^}]*controller="sync"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    const appliedAt = (sha: string) => eventually(`commit ${sha.slice(0, 8)} to be applied`, async () => (await getSync())?.status?.lastAppliedRevision === sha, 60_000);

    await ns.client.patch({ group: 'apps', version: 'v1', resource: 'deployments', namespace: ns.name, name: 'capstan-agent' }, 'merge', { spec: { replicas: 2 } });
    const running = await eventually('two agent replicas to be ready', async () => {
      const list = await pods();
      return list.length === 2 ? list : undefined;
    }, 120_000);
    const leaderName = await holder();
    const leader = running.find((p) => p.metadata.name === leaderName);
    const standby = running.find((p) => p.metadata.name !== leaderName)!;
    expect(leader).toBeDefined();

    const fifth = await repo.commit('v5', { 'dist/app.yaml': configMap('web', { v: '5' }) });
    await appliedAt(fifth);
    expect(syncReconciles(await metrics(leader!))).toBeGreaterThan(0);
    const standbyMetrics = await metrics(standby);
    expect(syncReconciles(standbyMetrics)).toBe(0);
    expect(standbyMetrics).toMatch(/^leader_election_master_status\{name="capstan-agent-leader"\} 0$/m);

    await ns.client.delete({ group: '', version: 'v1', resource: 'pods', namespace: ns.name, name: leader!.metadata.name }, { gracePeriodSeconds: 0 });
    // The standby or the leader's replacement pod, whichever asks first once the Lease expires.
    const successor = await eventually('another replica to take the lease', async () => {
      const name = await holder();
      return name && name !== leaderName ? (await pods()).find((p) => p.metadata.name === name) : undefined;
    }, 60_000);
    const sixth = await repo.commit('v6', { 'dist/app.yaml': configMap('web', { v: '6' }) });
    await appliedAt(sixth);
    expect((await cm('web'))?.data).toEqual({ v: '6' });
    expect(syncReconciles(await metrics(successor))).toBeGreaterThan(0);
  });
});
