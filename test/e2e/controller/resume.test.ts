import { afterAll, describe, expect, it } from 'vitest';
import { controlComponent } from '../../../src/devcluster/index.js';
import { Informer, Kinds, listWatchOf, refOf } from '../../../src/controller/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { clusterStateDir, eventually, useNamespace } from '../harness.js';

const { name: ns, client } = useNamespace('ctrl-resume');
const informers: Informer[] = [];
afterAll(async () => {
  await Promise.all(informers.map((i) => i.stop()));
});
type CM = KubeObject & { data?: Record<string, string> };
const cmRef = (name?: string) => refOf(Kinds.ConfigMap, ns, name);

describe('informer resume on a real cluster', () => {
  it('misses no change across many watch restarts (server timeouts and the stall watchdog), without listing again', async () => {
    await client.create(cmRef(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter', labels: { test: 'restarts' } }, data: { n: '0' } });
    const seen: number[] = [];
    // Watches end every 1-2 s on the server's side; a watch silent for 400 ms is restarted by the watchdog.
    const informer = new Informer<CM>(listWatchOf(client, Kinds.ConfigMap, { namespace: ns, labelSelector: 'test=restarts' }), { watchTimeoutSeconds: [1, 2], stallTimeoutMs: 400 });
    informers.push(informer);
    informer.addHandler({
      onAdd: (o) => seen.push(Number(o.data?.n)),
      onUpdate: (_, o) => seen.push(Number(o.data?.n)),
    });
    informer.start();
    expect(await informer.waitForSync(30_000)).toBe(true);
    const N = 200;
    const started = Date.now();
    for (let i = 1; i <= N; i++) {
      await client.patch(cmRef('counter'), 'merge', { data: { n: String(i) } });
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 700)); // silence: the watchdog fires
      else await new Promise((r) => setTimeout(r, Math.random() * 20));
    }
    await eventually('last change seen', async () => seen[seen.length - 1] === N, 30_000);
    process.stderr.write(`[controller e2e] ${N} changes over ${Date.now() - started} ms: ${JSON.stringify(informer.stats)}\n`);
    expect(seen).toEqual(Array.from({ length: N + 1 }, (_, i) => i));
    expect(informer.stats.watches).toBeGreaterThanOrEqual(5);
    expect(informer.stats.stalls).toBeGreaterThanOrEqual(3);
    expect(informer.stats.lists).toBe(1);
  });

  it('resumes after kube-apiserver is stopped and started again', async (ctx) => {
    const stateDir = clusterStateDir();
    if (!stateDir) ctx.skip(true, 'the cluster under test was not started by capstan devcluster, so its API server cannot be restarted from here');
    await client.create(cmRef(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before', labels: { test: 'apiserver' } }, data: { v: '1' } });
    const changes: string[] = [];
    const informer = new Informer<CM>(listWatchOf(client, Kinds.ConfigMap, { namespace: ns, labelSelector: 'test=apiserver' }), { retry: { initialMs: 100, maxMs: 1000 } });
    informers.push(informer);
    informer.addHandler({
      onAdd: (o) => changes.push(`add ${o.metadata.name} ${o.data?.v}`),
      onUpdate: (_, o) => changes.push(`update ${o.metadata.name} ${o.data?.v}`),
      onDelete: (o) => changes.push(`delete ${o.metadata.name}`),
    });
    informer.start();
    expect(await informer.waitForSync(30_000)).toBe(true);
    await client.patch(cmRef('before'), 'merge', { data: { v: '2' } });
    await eventually('update before the restart', async () => changes.includes('update before 2'), 10_000);

    const stoppedAt = Date.now();
    await controlComponent(stateDir, 'kube-apiserver', 'stop');
    try {
      await new Promise((r) => setTimeout(r, 3000));
      expect(informer.stats.watchErrors + informer.stats.watches).toBeGreaterThan(1);
    } finally {
      await controlComponent(stateDir, 'kube-apiserver', 'start');
    }
    await eventually('API server back', async () => (await client.list(cmRef(), { limit: 1 })) !== undefined, 120_000, 200);
    const backAt = Date.now();
    await client.patch(cmRef('before'), 'merge', { data: { v: '3' } });
    await eventually('first change after the restart', async () => changes.includes('update before 3'), 60_000);
    await client.create(cmRef(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after', labels: { test: 'apiserver' } }, data: { v: '1' } });
    await client.delete(refOf(Kinds.ConfigMap, ns, 'before'));
    await eventually('changes after the restart', async () => changes.includes('delete before'), 60_000);
    process.stderr.write(`[controller e2e] API server down ${backAt - stoppedAt} ms; changes seen ${Date.now() - backAt} ms after it was back; ${JSON.stringify(informer.stats)}\n`);
    // After a restart the watch cache starts empty and answers 410 to older resourceVersions: the
    // informer lists once and turns the difference into events, so none is lost or repeated.
    expect(changes).toEqual(['add before 1', 'update before 2', 'update before 3', 'add after 1', 'delete before']);
    expect(informer.store.list().map((o) => o.metadata.name)).toEqual(['after']);
  }, 240_000);
});
