import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApplyError, ConfigMapInventory, InventoryError, type ObjectRef } from '../../../src/apply/index.js';
import { runApply } from '../../../src/cli/commands/apply.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { kubeconfigPath, useNamespace } from '../harness.js';
import { manager, manifests, refs, suffix } from './helpers.js';

const { name: ns, client } = useNamespace('apply-own');
const other = `apply-own-b-${suffix()}`;

beforeAll(async () => {
  await client.create(refs.namespace(''), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } });
});
afterAll(async () => {
  await client.delete(refs.namespace(other));
});

const cm = (name: string, data: Record<string, string> = { v: '1' }, namespace = ns) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata: ${JSON.stringify(data)}\n---\n`;
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const mark = (obj: KubeObject | undefined) => obj?.metadata.annotations?.['capstan.dev/inventory'];
const live = (name: string, namespace = ns) => client.get<KubeObject>(refs.configMap(namespace, name));
const exists = async (name: string, namespace = ns) => {
  const obj = await live(name, namespace);
  return !!obj && !obj.metadata.deletionTimestamp;
};

/** ConfigMaps of the namespace that carry `owner`'s mark and are not being deleted. */
async function marked(owner: string): Promise<string[]> {
  const list = await client.list({ group: '', version: 'v1', resource: 'configmaps', namespace: ns });
  return list.items.filter((o) => mark(o) === owner && !o.metadata.deletionTimestamp).map((o) => o.metadata.name!).sort();
}
const recordedNames = (refsList: ObjectRef[] | undefined) => (refsList ?? []).filter((r) => r.kind === 'ConfigMap').map((r) => r.name).sort();

describe('ownership and inventories', () => {
  it('serializes two concurrent apply --prune runs of one inventory: nothing is lost, nothing is left unrecorded', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/capstan-own-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/x.yaml`, [...names('shared', 10), ...names('x', 10)].map((n) => cm(n)).join(''));
    await writeFile(`${dir}/y.yaml`, [...names('shared', 10), ...names('y', 10)].map((n) => cm(n)).join(''));
    const stderr: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr.push(String(chunk)); return true; });
    const common = { kubeconfig: kubeconfigPath(), namespace: ns, inventory: 'race', prune: true };
    const finished: string[] = [];
    const [x, y] = await Promise.all([
      runApply([`${dir}/x.yaml`], common).then((code) => { finished.push('x'); return code; }),
      runApply([`${dir}/y.yaml`], common).then((code) => { finished.push('y'); return code; }),
    ]);
    vi.restoreAllMocks();
    expect([x, y]).toEqual([0, 0]);
    expect(stderr.join('')).toMatch(/waiting for inventory race, which another run holds/);

    // The run that finished last deployed its whole set, and pruned exactly the other's own objects.
    const last = finished[1]!;
    const wanted = [...names('shared', 10), ...names(last, 10)].sort();
    const inventory = new ConfigMapInventory(client, 'race', ns);
    expect(recordedNames(await inventory.load())).toEqual(wanted);
    expect(await marked(inventory.id)).toEqual(wanted);
    for (const n of names(last === 'x' ? 'y' : 'x', 10)) expect(await exists(n)).toBe(false);
  });

  it('refuses another inventory\'s object (same name in another namespace, or another name), and deletes nothing', async () => {
    const rm = manager(client, ns);
    const a = new ConfigMapInventory(client, 'app', ns);
    const b = new ConfigMapInventory(client, 'app', other);
    const c = new ConfigMapInventory(client, 'other-app', ns);
    await rm.sync(manifests(cm('owned-by-a') + cm('a-only')), a);

    for (const intruder of [b, c]) {
      const error = await rm.sync(manifests(cm('owned-by-a', { v: '2' }) + cm(`extra-${intruder.name}`, { v: '1' }, intruder.namespace)), intruder).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplyError);
      const e = error as ApplyError;
      expect(e.written).toBe(false);
      expect(e.failures).toEqual([expect.objectContaining({ reason: 'OwnedElsewhere', message: expect.stringMatching(new RegExp(`owned by ConfigMap ${ns}/app, not by inventory ConfigMap ${intruder.namespace}/${intruder.name}`)) })]);
      expect(await exists(`extra-${intruder.name}`, intruder.namespace)).toBe(false);
      expect((await live('owned-by-a'))!['data']).toEqual({ v: '1' });
      // Its next run without the object prunes nothing of A's.
      const again = await rm.sync(manifests(cm(`extra-${intruder.name}`, { v: '1' }, intruder.namespace)), intruder);
      expect(again.entries.filter((en) => en.action === 'deleted')).toEqual([]);
    }
    expect(await exists('owned-by-a')).toBe(true);
    expect(mark(await live('owned-by-a'))).toBe(a.id);

    // Adoption is explicit; then the old owner no longer prunes it, and may not take it back unasked.
    const adopted = await rm.sync(manifests(cm('owned-by-a')), c, { adopt: true });
    expect(adopted.entries.find((en) => en.ref.name === 'owned-by-a')!.message).toMatch(new RegExp(`adopted from ConfigMap ${ns}/app`));
    const dropped = await rm.sync(manifests(cm('a-only')), a);
    expect(dropped.entries.find((en) => en.ref.name === 'owned-by-a')).toMatchObject({ action: 'skipped', message: expect.stringMatching(new RegExp(`now owned by ConfigMap ${ns}/other-app`)) });
    expect(await exists('owned-by-a')).toBe(true);
    await expect(rm.sync(manifests(cm('a-only') + cm('owned-by-a')), a)).rejects.toThrow(/owned by ConfigMap .*other-app/);
  });

  it('does not prune an object another team took over with server-side apply and force', async () => {
    const rm = manager(client, ns);
    const inventory = new ConfigMapInventory(client, 'takeover', ns);
    await rm.sync(manifests(cm('anchor-t') + cm('taken', { v: '1' })), inventory);
    await client.apply(refs.configMap(ns, 'taken'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'taken', namespace: ns }, data: { v: 'platform' } }, { fieldManager: 'platform-team', force: true });

    const result = await rm.sync(manifests(cm('anchor-t')), inventory);
    expect(result.entries.find((e) => e.ref.name === 'taken')).toMatchObject({ action: 'skipped', message: expect.stringMatching(/taken over by field manager "platform-team"/) });
    expect((await live('taken'))!['data']).toEqual({ v: 'platform' });
  });

  it('writes neither the objects nor the record when nothing changed', async () => {
    const rm = manager(client, ns);
    const inventory = new ConfigMapInventory(client, 'steady', ns);
    const set = manifests(cm('steady-1') + cm('steady-2'));
    await rm.sync(set, inventory);
    const versions = async () => Promise.all(['steady', 'steady-1', 'steady-2'].map(async (n) => (await live(n))!.metadata.resourceVersion));
    const before = await versions();
    const again = await rm.sync(set, new ConfigMapInventory(client, 'steady', ns));
    expect(again.entries.map((e) => e.action)).toEqual(['unchanged', 'unchanged']);
    expect(await versions()).toEqual(before);
  });

  it('checks the inventory before anything is written: its namespace, its name, its size', async () => {
    const rm = manager(client, ns);
    const before = (await client.list({ group: '', version: 'v1', resource: 'configmaps', namespace: ns })).items.length;

    const typo = new ConfigMapInventory(client, 'app', `no-such-${suffix()}`);
    const missing = await rm.sync(manifests(cm('never-1')), typo).catch((e: unknown) => e);
    expect((missing as ApplyError).cause).toBeInstanceOf(InventoryError);
    expect((missing as Error).message).toMatch(/namespace no-such-\w+ of inventory .* does not exist: create it, add it to the set/);

    const clash = await rm.sync(manifests(cm('never-2') + cm('holder')), new ConfigMapInventory(client, 'holder', ns)).catch((e: unknown) => e);
    expect((clash as ApplyError).failures[0]!.message).toMatch(/this name is taken by inventory ConfigMap .*\/holder/);

    // 4 000 names of 240 characters make a record over the 900 KiB a ConfigMap can hold.
    const long = (i: number) => `big-${String(i).padStart(5, '0')}-${'x'.repeat(230)}`;
    const big = manifests(Array.from({ length: 4000 }, (_, i) => cm(long(i))).join(''));
    const oversized = await rm.sync(big, new ConfigMapInventory(client, 'big', ns)).catch((e: unknown) => e);
    expect((oversized as ApplyError).cause).toBeInstanceOf(InventoryError);
    expect((oversized as Error).message).toMatch(/the record of 4000 objects takes \d+ KiB, more than the 900 KiB .*split the set/);
    expect((oversized as ApplyError).changeSet.entries.every((e) => e.action === 'pending')).toBe(true);

    const after = (await client.list({ group: '', version: 'v1', resource: 'configmaps', namespace: ns })).items.length;
    expect(after).toBe(before);
  });
});
