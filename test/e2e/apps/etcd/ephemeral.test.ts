import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../src/k8s/index.js';
import { eventually } from '../../harness.js';
import {
  clustersRef, endpoints, type EtcdClusterObject, killFollowerProcess, memberPods, useEtcdOperator, waitReady, Writer,
} from './helpers.js';

const name = 'scratch';

/**
 * `storage.ephemeral` on real etcd processes: data lives in the pod, so a process restart keeps the
 * member, and a pod that is gone is a new member replacing the old one, with no write lost.
 */
describe('an EtcdCluster on ephemeral storage', () => {
  const { ns, client } = useEtcdOperator('etcd-ephemeral');
  const get = () => client.get<EtcdClusterObject>(clustersRef(ns.name, name));

  it('runs 3 voters with their data in emptyDir volumes and no claims', async () => {
    await client.create(clustersRef(ns.name), { apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name }, spec: { size: 3, version: '3.6.16', storage: { ephemeral: true } } });
    await waitReady(client, ns.name, name, 3);
    const pods = await memberPods(client, ns.name, name);
    for (const pod of pods.values()) {
      const volumes = (pod as KubeObject & { spec: { volumes: { name: string; emptyDir?: object }[] } }).spec.volumes;
      expect(volumes.find((v) => v.name === 'data')?.emptyDir).toBeDefined();
    }
    expect((await client.list({ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace: ns.name })).items).toEqual([]);
  }, 200_000);

  it('keeps a member whose process was SIGKILLed: the same id, no membership change', async () => {
    const { before, after } = await killFollowerProcess(client, ns.name, name);
    expect(after).toEqual(before);
  }, 120_000);

  it('replaces a member whose pod was deleted with a new member, keeping quorum and every acknowledged write', async () => {
    const cluster = (await get())!;
    const victim = cluster.status!.members!.find((m) => !m.leader)!;
    const writer = new Writer(client, ns.name, name, 'ephemeral');
    writer.start();
    await eventually('writes before the loss', async () => writer.acknowledged.length > 20);
    await client.delete({ group: '', version: 'v1', resource: 'pods', namespace: ns.name, name: victim.name });
    let fewestHealthy = 3;
    const replaced = await eventually('a new member in place of the deleted pod', async () => {
      const c = await get();
      fewestHealthy = Math.min(fewestHealthy, c?.status?.members?.filter((m) => m.healthy && !m.learner).length ?? 0);
      const members = c?.status?.members ?? [];
      return members.length === 3 && !members.some((m) => m.id === victim.id) && members.every((m) => m.healthy && !m.learner) && c;
    }, 120_000, 500);
    await writer.stop();
    expect(replaced.status!.members!.map((m) => m.name)).not.toContain(victim.name);
    expect(fewestHealthy).toBeGreaterThanOrEqual(2);
    const endpoint = [...(await endpoints(client, ns.name, name)).values()][0]!;
    expect(await writer.lost(endpoint)).toEqual([]);
    const events = await client.list<KubeObject & { reason?: string; message?: string }>({ group: '', version: 'v1', resource: 'events', namespace: ns.name });
    expect(events.items.some((e) => e.reason === 'MemberReplacing' && e.message?.includes(victim.name))).toBe(true);
    await client.delete(clustersRef(ns.name, name));
  }, 180_000);
});
