import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectDetail, SyncDetail } from '../../../src/dashboard/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { eventually, useNamespace } from '../harness.js';
import { syncRef, type SyncObject } from '../agent/helpers.js';
import { installEtcdCrds, removeEtcdCrds, startOperator, waitReady } from '../apps/etcd/helpers.js';
import { request, startDashboard, startFixture, type RunningDashboard } from './helpers.js';

const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/dashboard');
const ns = useNamespace('dash-etcd');
const cluster = 'apiVersion: etcd.capstan.dev/v1alpha1\nkind: EtcdCluster\nmetadata:\n  name: store\nspec:\n  size: 1\n  version: 3.6.16\n';
const backup = 'apiVersion: etcd.capstan.dev/v1alpha1\nkind: EtcdBackup\nmetadata:\n  name: nightly\nspec:\n  clusterName: store\n  claimName: store-snapshots\n';
let crds: string[] = [];
let operator: ReturnType<typeof startOperator>;
let fixture: Awaited<ReturnType<typeof startFixture>>;
let dash: RunningDashboard;
const getSync = () => ns.client.get<SyncObject>(syncRef(ns.name, 'app'));
const view = async <T>(p: string): Promise<T> => JSON.parse((await request(`${dash.origin}${p}`, { headers: { 'X-Capstan-Token': dash.token } })).body) as T;
const clusterView = () => view<ObjectDetail>(`/api/object?${new URLSearchParams({ apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', namespace: ns.name, name: 'store' })}`);

beforeAll(async () => {
  crds = await installEtcdCrds(ns.client);
  operator = startOperator(ns.name);
  fixture = await startFixture(ns.client, ns.name, { 'dist/etcd.yaml': cluster });
  await eventually('the EtcdCluster to be applied', async () => (await getSync())?.status?.lastAppliedRevision === fixture.first, 60_000);
  await waitReady(ns.client, ns.name, 'store', 1);
  const second = await fixture.repo.commit('nightly backup', { 'dist/backup.yaml': backup });
  await ns.client.patch(syncRef(ns.name, 'app'), 'merge', { metadata: { annotations: { 'capstan.dev/reconcile-requested-at': new Date().toISOString() } } });
  await eventually('the backup to be applied', async () => (await getSync())?.status?.lastAppliedRevision === second, 60_000);
  dash = await startDashboard();
}, 300_000);

afterAll(async () => {
  await dash?.stop();
  await fixture?.stop();
  await operator?.stop();
  await removeEtcdCrds(ns.client, crds);
});

describe('the dashboard on an operated app: EtcdCluster', () => {
  it('draws the EtcdCluster with the children its operator made', async () => {
    const d = await eventually('the member pod under the EtcdCluster', async () => {
      const t = await view<SyncDetail>(`/api/syncs/${ns.name}/app`);
      return t.tree.some((n) => n.kind === 'Pod' && n.parent?.endsWith('/EtcdCluster/' + ns.name + '/store')) ? t : undefined;
    }, 30_000, 500);
    const store = d.tree.find((n) => n.kind === 'EtcdCluster')!;
    expect(store.inventory).toBe(true);
    expect(store.health.status).toBe('Current');
    const children = d.tree.filter((n) => n.parent === store.id).map((n) => n.kind);
    expect(children).toEqual(expect.arrayContaining(['Pod', 'PersistentVolumeClaim', 'Service', 'PodDisruptionBudget']));
  });

  it('shows members with id, leader, learner, health and version, the cluster version, and its backups', async () => {
    await eventually('the backup to complete', async () => {
      const b = await ns.client.get<KubeObject & { status?: { phase?: string } }>({ group: 'etcd.capstan.dev', version: 'v1alpha1', resource: 'etcdbackups', namespace: ns.name, name: 'nightly' });
      if (b?.status?.phase === 'Failed') throw new Error('the backup failed');
      return b?.status?.phase === 'Completed';
    }, 120_000, 1000);
    const d = await eventually('the backup in the cluster\'s view', async () => {
      const v = await clusterView();
      return v.tables.find((t) => t.title === 'Backups (EtcdBackup)')?.rows[0]?.[1] === 'Completed' ? v : undefined;
    }, 10_000, 250);
    const table = (title: string) => d.tables.find((t) => t.title === title)!;
    const live = await ns.client.get<KubeObject & { status: { members: { id: string; name: string }[] } }>({ group: 'etcd.capstan.dev', version: 'v1alpha1', resource: 'etcdclusters', namespace: ns.name, name: 'store' });
    expect(table('Members').columns).toEqual(['Name', 'ID', 'Leader', 'Learner', 'Healthy', 'Version', 'Peer URL']);
    expect(table('Members').rows.map((r) => r.slice(0, 6))).toEqual([[live!.status.members[0]!.name, live!.status.members[0]!.id, 'yes', 'no', 'yes', '3.6.16']]);
    expect(table('Cluster').rows[0]!.slice(0, 3)).toEqual(['Running', expect.stringMatching(/^[0-9a-f]+$/), '3.6.16']);
    expect(table('Backups (EtcdBackup)').rows[0]!.slice(0, 3)).toEqual(['nightly', 'Completed', 'nightly.db']);
    expect(table('Printer columns').columns).toEqual(expect.arrayContaining(['Size', 'Ready Members', 'Version', 'Phase']));
  });

  it('shows it in Chromium, for the README', async () => {
    const executablePath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
      await page.goto(dash.url);
      await page.goto(`${dash.origin}/#/object/${encodeURIComponent('etcd.capstan.dev/v1alpha1')}/EtcdCluster/${ns.name}/store`);
      await page.getByRole('table', { name: 'Members' }).waitFor();
      expect(await page.getByRole('table', { name: 'Members' }).textContent()).toContain('3.6.16');
      await page.screenshot({ path: path.join(shots, 'etcd.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
