import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtcdBackupType } from '../../../../apps/etcd/etcd-backup-type.js';
import type { KubeObject } from '../../../../src/k8s/index.js';
import { eventually } from '../../harness.js';
import { claimPath, clustersRef, endpoints, etcd, memberList, useEtcdOperator, waitReady } from './helpers.js';

const backupsRef = (namespace: string, name?: string) => ({ group: EtcdBackupType.group, version: EtcdBackupType.version, resource: EtcdBackupType.plural, namespace, name });
type Backup = typeof EtcdBackupType.types.object & KubeObject;

/** A snapshot of one cluster into a claim, and a new cluster restored from it. */
describe('EtcdBackup and restore on real etcd processes', () => {
  const { ns, client } = useEtcdOperator('etcd-backup');
  const keys = Array.from({ length: 50 }, (_, i) => `backup/${String(i).padStart(3, '0')}`);
  let backup: Backup;
  let sourceId = '';

  it('snapshots a cluster into a claim and records revision, size and hash', async () => {
    await client.create(clustersRef(ns.name), { apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'source' }, spec: { size: 1, version: '3.6.16' } });
    const source = await waitReady(client, ns.name, 'source', 1);
    sourceId = source.status!.clusterID!;
    const endpoint = [...(await endpoints(client, ns.name, 'source')).values()][0]!;
    let last = '0';
    for (const key of keys) last = (await etcd.put(endpoint, key, `value of ${key}`)).revision;

    await client.create(backupsRef(ns.name), { apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdBackup', metadata: { name: 'first' }, spec: { clusterName: 'source', claimName: 'snapshots' } });
    backup = await eventually('the backup to complete', async () => {
      const b = await client.get<Backup>(backupsRef(ns.name, 'first'));
      if (b?.status?.phase === 'Failed') throw new Error(`backup failed: ${JSON.stringify(b.status.conditions)}`);
      return b?.status?.phase === 'Completed' && b;
    }, 90_000);
    expect(backup.status!.file).toBe('first.db');
    expect(BigInt(backup.status!.revision!)).toBeGreaterThanOrEqual(BigInt(last));
    expect(backup.status!.keys).toBeGreaterThanOrEqual(keys.length);
    expect(backup.status!.size).toBeGreaterThan(0);
    expect(backup.status!.hash).toMatch(/^\d+$/);
    expect(backup.status!.etcdVersion).toBe('3.6.16');
    const file = fs.readFileSync(path.join(await claimPath(client, ns.name, 'snapshots'), 'first.db'));
    expect(file.length).toBeGreaterThanOrEqual(backup.status!.size!); // etcd appends its own sha256 of the database
    expect(backup.status!.sha256).toBe(createHash('sha256').update(file).digest('hex'));
  }, 180_000);

  it('restores it into a new three-member cluster: every key, a new cluster id, revisions not going back', async () => {
    await client.create(clustersRef(ns.name), {
      apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'restored' },
      spec: { size: 3, version: '3.6.16', bootstrap: { restore: { claimName: 'snapshots', file: backup.status!.file! } } },
    });
    const restored = await waitReady(client, ns.name, 'restored', 3, 200_000);
    expect(restored.status!.clusterID).not.toBe(sourceId);
    expect((await memberList(client, ns.name, 'restored')).filter((m) => !m.isLearner)).toHaveLength(3);
    for (const endpoint of (await endpoints(client, ns.name, 'restored')).values()) {
      const read = await eventually('the restored keys on a member', async () => {
        const r = await etcd.rangePrefix(endpoint, 'backup/', true);
        return r.kvs.size === keys.length && r;
      }, 20_000);
      expect(keys.filter((k) => read.kvs.get(k) !== `value of ${k}`)).toEqual([]);
      expect(BigInt(read.revision)).toBeGreaterThanOrEqual(BigInt(backup.status!.revision!));
    }
    await client.delete(clustersRef(ns.name, 'restored'));
    await client.delete(clustersRef(ns.name, 'source'));
  }, 240_000);
});

