import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../harness.js';
import {
  claimDir, clustersRef, endpoints, etcd, type EtcdClusterObject, etcdPid, memberList, memberPods, useEtcdOperator, waitReady, Writer, killFollowerProcess,
} from './helpers.js';

const name = 'main';

/**
 * One EtcdCluster through its life on real etcd processes: create, a killed process, a lost data
 * directory, scale 3 → 5 → 3 and an upgrade 3.6 → 3.7 with a writer running, refused version
 * changes, and deletion. The steps build on each other, as a cluster's life does.
 */
describe('an EtcdCluster on real etcd processes', () => {
  const { ns, client, restartOperator } = useEtcdOperator('etcd');

  const get = () => client.get<EtcdClusterObject>(clustersRef(ns.name, name));
  /** The leader's member name, as etcd itself says. */
  const etcdLeader = async (): Promise<string> => {
    const members = await memberList(client, ns.name, name);
    for (const endpoint of (await endpoints(client, ns.name, name)).values()) {
      const status = await etcd.status(endpoint, 1000).catch(() => undefined);
      const found = status && members.find((m) => m.id === status.leader);
      if (found) return found.name;
    }
    throw new Error('no member knows a leader');
  };

  it('creates 3 voters with one leader; a key written through the client Service is on every member, with equal hashKV', async () => {
    await client.create(clustersRef(ns.name), { apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name }, spec: { size: 3, version: '3.6.16' } });
    const cluster = await waitReady(client, ns.name, name, 3);
    const members = await memberList(client, ns.name, name);
    expect(members.filter((m) => !m.isLearner)).toHaveLength(3);
    expect(cluster.status!.members!.filter((m) => m.leader)).toHaveLength(1);
    expect(cluster.status!.currentVersion).toBe('3.6.16');
    expect(cluster.status!.clusterID).toMatch(/^[0-9a-f]+$/);

    const eps = await endpoints(client, ns.name, name);
    const leaders = new Set(await Promise.all([...eps.values()].map(async (e) => (await etcd.status(e)).leader)));
    expect(leaders.size).toBe(1);

    const writer = new Writer(client, ns.name, name, 'create');
    writer.start();
    await eventually('a put through the client Service', async () => writer.acknowledged.length > 0);
    await writer.stop();
    const key = writer.acknowledged[0]!;
    const revisions = new Set<string>();
    for (const [member, endpoint] of eps) {
      const read = await eventually(`${key} on member ${member}`, async () => {
        const r = await etcd.rangePrefix(endpoint, key, true);
        return r.kvs.get(key) === key && r;
      }, 10_000);
      revisions.add(read.revision);
    }
    const at = (await etcd.put([...eps.values()][0]!, 'create/mark', 'x')).revision;
    const hashes = await eventually('hashKV at one revision to be equal on every member', async () => {
      const all = await Promise.all([...eps.values()].map((e) => etcd.hashKV(e, at)));
      return new Set(all.map((h) => h.hash)).size === 1 && all;
    }, 15_000);
    expect(hashes).toHaveLength(3);
  }, 240_000);

  it('brings a SIGKILLed member back under the same id, with no membership change', async () => {
    const { before, after } = await killFollowerProcess(client, ns.name, name);
    expect(after).toEqual(before);
  }, 240_000);

  it('replaces a member whose data directory is lost: removed first, a new member added, quorum and every write kept', async () => {
    const cluster = (await get())!;
    const victim = cluster.status!.members!.find((m) => !m.leader)!;
    const writer = new Writer(client, ns.name, name, 'replace');
    writer.start();
    let quorumLost = false;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const c = await get().catch(() => undefined);
        if (c?.status?.conditions?.find((x) => x.type === 'Available')?.status === 'False') quorumLost = true;
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await eventually('writes before the loss', async () => writer.acknowledged.length > 20);
    const dir = await claimDir(client, ns.name, victim.name);
    fs.rmSync(`${dir}/data`, { recursive: true, force: true });
    process.kill(etcdPid(victim.name), 'SIGKILL');

    await eventually(`member ${victim.name} to be removed and replaced by a new member`, async () => {
      const members = await memberList(client, ns.name, name);
      return !members.some((m) => m.name === victim.name || m.id === BigInt(`0x${victim.id}`).toString()) && members.length === 3 && members.every((m) => !m.isLearner && m.name);
    }, 150_000);
    await waitReady(client, ns.name, name, 3);
    watching = false;
    await watch;
    await writer.stop();
    expect(quorumLost).toBe(false);
    const pods = await memberPods(client, ns.name, name);
    expect(pods.has(victim.name)).toBe(false);
    expect(writer.acknowledged.length).toBeGreaterThan(20);
    expect(await writer.lost([...(await endpoints(client, ns.name, name)).values()][0]!)).toEqual([]);
  }, 240_000);

  it('scales 3 → 5 → 3 with a writer running: never more than one learner, no acknowledged write lost', async () => {
    const writer = new Writer(client, ns.name, name, 'scale');
    writer.start();
    let maxLearners = 0;
    let sampling = true;
    const sample = (async () => {
      while (sampling) {
        const members = await memberList(client, ns.name, name).catch(() => []);
        maxLearners = Math.max(maxLearners, members.filter((m) => m.isLearner).length);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await client.patch(clustersRef(ns.name, name), 'merge', { spec: { size: 5 } });
    await waitReady(client, ns.name, name, 5);
    expect((await memberList(client, ns.name, name)).filter((m) => !m.isLearner)).toHaveLength(5);
    await client.patch(clustersRef(ns.name, name), 'merge', { spec: { size: 3 } });
    const cluster = await waitReady(client, ns.name, name, 3);
    sampling = false;
    await sample;
    await writer.stop();
    expect(maxLearners).toBe(1);
    expect(await memberList(client, ns.name, name)).toHaveLength(3);
    await eventually('the removed members\' pods to be gone', async () => (await memberPods(client, ns.name, name)).size === 3, 60_000);
    expect(cluster.status!.members!.filter((m) => m.leader)).toHaveLength(1);
    expect(writer.acknowledged.length).toBeGreaterThan(50);
    expect(await writer.lost([...(await endpoints(client, ns.name, name)).values()][0]!)).toEqual([]);
  }, 240_000);

  it('finishes a learner add that the operator was SIGKILLed in the middle of', async () => {
    await client.patch(clustersRef(ns.name, name), 'merge', { spec: { size: 4 } });
    const learner = await eventually('a learner in etcd\'s member list', async () => (await memberList(client, ns.name, name)).find((m) => m.isLearner), 60_000, 50);
    await restartOperator();
    await waitReady(client, ns.name, name, 4);
    const members = await memberList(client, ns.name, name);
    expect(members.filter((m) => !m.isLearner)).toHaveLength(4);
    expect(members.some((m) => m.id === learner.id)).toBe(true);
    await client.patch(clustersRef(ns.name, name), 'merge', { spec: { size: 3 } });
    await waitReady(client, ns.name, name, 3);
    await eventually('the removed member\'s pod to be gone', async () => (await memberPods(client, ns.name, name)).size === 3, 60_000);
  }, 240_000);

  it('upgrades 3.6 → 3.7 one member at a time, the leader last, with a writer running', async () => {
    const uidsBefore = new Set([...(await memberPods(client, ns.name, name)).values()].map((p) => p.metadata.uid));
    const writer = new Writer(client, ns.name, name, 'upgrade');
    writer.start();
    const upgradedWhileLeading: string[] = [];
    let maxDown = 0;
    let sampling = true;
    let leader = '';
    const seenDeleting = new Set<string>();
    const sample = (async () => {
      while (sampling) {
        const pods = await memberPods(client, ns.name, name).catch(() => new Map());
        leader = await etcdLeader().catch(() => leader);
        const deleting = [...pods.values()].filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name!);
        for (const d of deleting) {
          if (!seenDeleting.has(d) && d === leader) upgradedWhileLeading.push(d);
          seenDeleting.add(d);
        }
        const down = [...pods.values()].filter((p) => p.metadata.deletionTimestamp || !p.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True')).length + Math.max(0, 3 - pods.size);
        maxDown = Math.max(maxDown, down);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await client.patch(clustersRef(ns.name, name), 'merge', { spec: { version: '3.7.3' } });
    await eventually('every member to run 3.7.3', async () => {
      const c = await get();
      return c?.status?.currentVersion === '3.7.3' && c.status.conditions?.find((x) => x.type === 'Ready')?.status === 'True' && c.metadata.generation === c.status.observedGeneration;
    }, 180_000, 500);
    sampling = false;
    await sample;
    await writer.stop();
    const eps = [...(await endpoints(client, ns.name, name)).values()];
    // The leader moves the cluster version once it sees every member on 3.7, a few seconds later.
    await eventually('the cluster version to be 3.7.0', async () => (await etcd.version(eps[0]!)).cluster === '3.7.0', 30_000);
    expect(upgradedWhileLeading).toEqual([]);
    // Every member got a new pod; the sampler saw deletions without a leader among them.
    const uidsAfter = [...(await memberPods(client, ns.name, name)).values()].map((p) => p.metadata.uid);
    expect(uidsAfter.filter((u) => uidsBefore.has(u))).toEqual([]);
    expect(seenDeleting.size).toBeGreaterThan(0);
    expect(maxDown).toBeLessThanOrEqual(1);
    const c = (await get())!;
    expect(c.status!.lastSnapshot?.forVersion).toBe('3.7.3');
    expect(c.status!.lastSnapshot?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await writer.lost(eps[0]!)).toEqual([]);
  }, 240_000);

  it('refuses a downgrade and a skipped minor with a Stalled condition, touching no pod', async () => {
    const before = [...(await memberPods(client, ns.name, name)).values()].map((p) => `${p.metadata.name}:${p.metadata.uid}`).sort();
    for (const [version, why] of [['3.6.16', /downgrade/], ['3.9.0', /skips a minor version/]] as const) {
      await client.patch(clustersRef(ns.name, name), 'merge', { spec: { version } });
      const stalled = await eventually(`version ${version} to be refused`, async () => {
        const c = await get();
        const s = c?.status?.conditions?.find((x) => x.type === 'Stalled');
        return s?.status === 'True' && s.observedGeneration === c!.metadata.generation && s;
      }, 30_000);
      expect(stalled.message).toMatch(why);
      expect(stalled.message).toContain('spec.version');
    }
    await new Promise((r) => setTimeout(r, 3000));
    const after = [...(await memberPods(client, ns.name, name)).values()].map((p) => `${p.metadata.name}:${p.metadata.uid}`).sort();
    expect(after).toEqual(before);
    expect((await get())!.status!.currentVersion).toBe('3.7.3');
  }, 240_000);

  it('makes no membership change while quorum is lost, and says so', async () => {
    const before = (await get())!.status!.members!.map((m) => `${m.name}=${m.id}`).sort();
    const followers = (await get())!.status!.members!.filter((m) => !m.leader).map((m) => m.name);
    for (const member of followers) {
      fs.rmSync(`${await claimDir(client, ns.name, member)}/data`, { recursive: true, force: true });
      process.kill(etcdPid(member), 'SIGKILL');
    }
    const lost = await eventually('the QuorumLost condition', async () => {
      const c = await get();
      const available = c?.status?.conditions?.find((x) => x.type === 'Available');
      return available?.status === 'False' && available.reason === 'QuorumLost' && c;
    }, 60_000);
    expect(lost.status!.phase).toBe('QuorumLost');
    expect(lost.status!.conditions!.find((x) => x.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'QuorumLost' });
    // The broken members crash-loop well past the replacement threshold, and still nobody is removed.
    await new Promise((r) => setTimeout(r, 15_000));
    const after = (await get())!;
    expect(after.status!.members!.map((m) => `${m.name}=${m.id}`).sort()).toEqual(before);
    expect([...(await memberPods(client, ns.name, name)).keys()].sort()).toEqual(before.map((m) => m.split('=')[0]).sort());
  }, 120_000);

  it('leaves nothing behind when deleted, even without quorum', async () => {
    await client.delete(clustersRef(ns.name, name));
    const selector = { labelSelector: `app.kubernetes.io/instance=${name}` };
    for (const resource of ['pods', 'persistentvolumeclaims', 'services']) {
      await eventually(`${resource} of the cluster to be gone`, async () => (await client.list({ group: '', version: 'v1', resource, namespace: ns.name }, selector)).items.length === 0, 90_000);
    }
    await eventually('the PodDisruptionBudget to be gone', async () => (await client.list({ group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespace: ns.name }, selector)).items.length === 0, 60_000);
  }, 240_000);
});
