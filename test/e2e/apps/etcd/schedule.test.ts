import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtcdBackupType } from '../../../../apps/etcd/etcd-backup-type.js';
import type { KubeObject } from '../../../../src/k8s/index.js';
import { eventually } from '../../harness.js';
import { claimPath, clustersRef, endpoints, etcd, type EtcdClusterObject, useEtcdOperator, waitReady } from './helpers.js';

const backupsRef = (namespace: string, name?: string) => ({ group: EtcdBackupType.group, version: EtcdBackupType.version, resource: EtcdBackupType.plural, namespace, name });
type Backup = typeof EtcdBackupType.types.object & KubeObject;

const retention = 2;

/** Scheduled snapshots into a claim, with retention, on real etcd processes. */
describe('an EtcdCluster backup schedule', () => {
  const { ns, client } = useEtcdOperator('etcd-schedule');

  const scheduled = async (): Promise<Backup[]> => (await client.list<Backup>(backupsRef(ns.name), { labelSelector: 'etcd.capstan.dev/taken-by=sched,etcd.capstan.dev/purpose=schedule' })).items;

  it(`takes a snapshot at every slot, keeps exactly ${retention}, each sha256 matching its file, and never deletes a backup it did not take`, async () => {
    await client.create(clustersRef(ns.name), {
      apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'sched' },
      spec: { size: 1, version: '3.6.16', backup: { schedule: '*/10 * * * * *', retention, claimName: 'sched-snapshots' } },
    });
    await waitReady(client, ns.name, 'sched', 1);
    const endpoint = [...(await endpoints(client, ns.name, 'sched')).values()][0]!;
    for (let i = 0; i < 20; i++) await etcd.put(endpoint, `sched/${i}`, 'v');
    // A backup of the user's own into the same claim: retention must leave it alone.
    await client.create(backupsRef(ns.name), { apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdBackup', metadata: { name: 'mine' }, spec: { clusterName: 'sched', claimName: 'sched-snapshots' } });

    const seen = new Set<string>();
    await eventually(`${retention + 2} scheduled snapshots completed`, async () => {
      for (const b of await scheduled()) if (b.status?.phase === 'Completed') seen.add(b.metadata.name!);
      return seen.size >= retention + 2;
    }, 100_000, 1000);
    // Stop the schedule (next slot on 1 January) and let retention settle.
    await client.patch(clustersRef(ns.name, 'sched'), 'merge', { spec: { backup: { schedule: '0 0 1 1 *' } } });

    const dir = await claimPath(client, ns.name, 'sched-snapshots');
    const kept = await eventually(`exactly ${retention} scheduled backups, and their files alone in the claim`, async () => {
      const list = await scheduled();
      const files = fs.readdirSync(dir).filter((f) => f !== 'mine.db').sort();
      const done = list.every((b) => b.status?.phase === 'Completed');
      const pruning = await client.get({ group: '', version: 'v1', resource: 'pods', namespace: ns.name, name: 'sched-prune' });
      return done && !pruning && list.length === retention && JSON.stringify(files) === JSON.stringify(list.map((b) => b.status!.file!).sort()) && list;
    }, 60_000, 1000);

    const names = kept.map((b) => b.metadata.name!).sort();
    for (const n of names) seen.add(n); // one may have completed after the schedule stopped
    expect(names).toEqual([...seen].sort().slice(-retention));
    for (const b of kept) {
      const bytes = fs.readFileSync(path.join(dir, b.status!.file!));
      expect(b.status!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(bytes.length).toBeGreaterThanOrEqual(b.status!.size!); // etcd appends its own sha256 of the database
      expect(BigInt(b.status!.revision!)).toBeGreaterThanOrEqual(21n);
      expect(b.status!.etcdVersion).toBe('3.6.16');
      expect(b.metadata.ownerReferences?.[0]?.name).toBe('sched');
    }
    const mine = await eventually('the user\'s own backup to complete', async () => {
      const b = await client.get<Backup>(backupsRef(ns.name, 'mine'));
      return b?.status?.phase === 'Completed' && b;
    }, 30_000);
    expect(fs.existsSync(path.join(dir, 'mine.db'))).toBe(true);
    expect(mine.status!.sha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(dir, 'mine.db'))).digest('hex'));
    const cluster = await client.get<EtcdClusterObject>(clustersRef(ns.name, 'sched'));
    expect(Date.parse(cluster!.status!.lastScheduleTime!) % 10_000).toBe(0);
  }, 200_000);

  it('takes the pre-upgrade snapshot into the backup claim, and upgrades once it is complete', async () => {
    await client.patch(clustersRef(ns.name, 'sched'), 'merge', { spec: { version: '3.7.3' } });
    const upgraded = await eventually('the cluster to run 3.7.3', async () => {
      const c = await client.get<EtcdClusterObject>(clustersRef(ns.name, 'sched'));
      const ready = c?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status?.currentVersion === '3.7.3' && ready?.status === 'True' && ready.observedGeneration === c.metadata.generation && c;
    }, 90_000);
    const before = await client.get<Backup>(backupsRef(ns.name, 'sched-before-3-7-3'));
    expect(before!.status!.phase).toBe('Completed');
    expect(before!.metadata.labels!['etcd.capstan.dev/purpose']).toBe('pre-upgrade');
    expect(before!.status!.etcdVersion).toBe('3.6.16');
    const snapshot = upgraded.status!.lastSnapshot!;
    expect(snapshot).toMatchObject({ forVersion: '3.7.3', version: '3.6.16', path: 'sched-snapshots/sched-before-3-7-3.db', sha256: before!.status!.sha256 });
    const bytes = fs.readFileSync(path.join(await claimPath(client, ns.name, 'sched-snapshots'), 'sched-before-3-7-3.db'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(snapshot.sha256);
    expect(Date.parse(snapshot.time)).toBeLessThanOrEqual(Date.parse(String((await client.list<KubeObject>({ group: '', version: 'v1', resource: 'pods', namespace: ns.name }, { labelSelector: 'app.kubernetes.io/instance=sched' })).items[0]!.metadata.creationTimestamp)));
    expect(await scheduled()).toHaveLength(retention);
    await client.delete(clustersRef(ns.name, 'sched'));
  }, 120_000);
});
