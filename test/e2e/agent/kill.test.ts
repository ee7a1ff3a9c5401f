import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../../../src/devcluster/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { eventually, kubeconfigPath, useNamespace } from '../harness.js';
import { condition, configMap, deleteSyncs, installSyncCrd, syncRef, TestRepository, type SyncObject } from './helpers.js';

const ns = useNamespace('agent-kill');
const repo = new TestRepository();
const cache = mkdtempSync(join(tmpdir(), 'capstan-agent-kill-'));
const COUNT = 400;
const names = (n: number) => Array.from({ length: n }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
const manifests = (list: string[]) => list.map((n) => configMap(n, { n })).join('---\n');
const getSync = () => ns.client.get<SyncObject>(syncRef(ns.name, 'many'));
const marked = async (): Promise<string[]> => {
  const list = await ns.client.list<KubeObject>({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name });
  return list.items.filter((c) => c.metadata.annotations?.['capstan.dev/inventory'] === `Sync/${ns.name}/many`).map((c) => c.metadata.name!).sort();
};
const recorded = (sync: SyncObject | undefined) => (sync?.status?.inventory ?? []).flatMap((g) => g.names).sort();

/** `capstan agent` as its own process, as the pod runs it, for this namespace only and without leader election. */
function startAgentProcess(): ChildProcess {
  const [node, ...args] = cliCommand();
  const child = spawn(node!, [...args, 'agent', '--kubeconfig', kubeconfigPath(), '--namespace', ns.name, '--port', '0', '--webhook-port', '0', '--cache-dir', cache], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => void (process.env.CAPSTAN_LOG_LEVEL && process.stderr.write(`[agent] ${d.toString()}`)));
  return child;
}

let agent: ChildProcess | undefined;

beforeAll(async () => {
  await installSyncCrd(ns.client);
  await repo.start();
  await ns.client.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'capstan', password: repo.password },
  });
  await ns.client.create({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign' }, data: { mine: 'yes' } });
});

afterAll(async () => {
  await deleteSyncs(ns.client, ns.name);
  agent?.kill('SIGKILL');
  await repo.dispose();
  rmSync(cache, { recursive: true, force: true });
});

describe('an agent killed in the middle of a large commit', () => {
  it('has recorded the whole set before its first write, and converges on restart with nothing lost or duplicated', { timeout: 180_000 }, async () => {
    const sha = await repo.commit(`${COUNT} config maps`, { 'dist/many.yaml': manifests(names(COUNT)) });
    await ns.client.create(syncRef(ns.name), {
      apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', metadata: { name: 'many', namespace: ns.name },
      spec: { url: repo.url(), secretRef: { name: 'git' }, interval: '2s', timeout: '2m', wait: false },
    });
    agent = startAgentProcess();
    await eventually('the apply to be under way', async () => (await marked()).length >= 20, 90_000, 50);
    agent.kill('SIGKILL');
    const atKill = await marked();
    expect(atKill.length).toBeLessThan(COUNT);
    // The union of the old and the new set was recorded before the first object was written.
    expect(recorded(await getSync())).toEqual(names(COUNT));

    agent = startAgentProcess();
    const sync = await eventually('the restarted agent to apply the commit', async () => {
      const s = await getSync();
      return s?.status?.lastAppliedRevision === sha && condition(s, 'Ready')?.status === 'True' ? s : undefined;
    }, 120_000);
    expect(recorded(sync)).toEqual(names(COUNT));
    expect(await marked()).toEqual(names(COUNT));
  });

  it('then prunes exactly the objects a later commit removes', { timeout: 120_000 }, async () => {
    const keep = names(COUNT).slice(0, 300);
    const sha = await repo.commit('drop 100', { 'dist/many.yaml': manifests(keep) });
    const sync = await eventually('the smaller commit to be applied', async () => {
      const s = await getSync();
      return s?.status?.lastAppliedRevision === sha ? s : undefined;
    }, 90_000);
    expect(recorded(sync)).toEqual(keep);
    expect(await marked()).toEqual(keep);
    expect(sync.status?.history?.[0]).toMatchObject({ revision: sha, deleted: 100, created: 0, configured: 0 });
    expect(await ns.client.get({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name: 'foreign' })).toBeDefined();
  });
});
