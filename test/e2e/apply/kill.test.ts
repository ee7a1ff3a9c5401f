import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigMapInventory, type Manifest } from '../../../src/apply/index.js';
import { adminClient, kubeconfigPath } from '../harness.js';
import { manager, manifests, refs, suffix } from './helpers.js';

const client = adminClient();
const target = `apply-kill-${suffix()}`;
afterAll(async () => {
  await client.delete(refs.namespace(target));
  client.close();
});

const COUNT = 1000;
const names = Array.from({ length: COUNT }, (_, i) => `k${String(i).padStart(4, '0')}`);
/**
 * The Namespace, a Job that takes a few seconds, and the ConfigMaps: the first half in wave 0 with
 * the Job, the second half in wave 1, which waits for the Job. The run is killed while it waits.
 */
const setYaml = (keep: string[]) =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${target}\n---\n` +
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: gate\n  namespace: ${target}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: wait, image: busybox, command: [sleep, "5"]}]\n---\n` +
  keep.map((n, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n  namespace: ${target}\n  annotations: {capstan.dev/wave: "${i < COUNT / 2 ? 0 : 1}"}\ndata: {v: "1"}\n---\n`).join('');

/** Runs `capstan apply` as its own process and SIGKILLs it once `after` objects were reported written. */
async function applyKilledAfter(file: string, after: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'apply', file, '--inventory', `${target}/kill`, '--prune', '--kubeconfig', kubeconfigPath()], { stdio: ['ignore', 'pipe', 'pipe'] });
  let written = 0;
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    written += lines.filter((l) => / created$/.test(l)).length;
    if (written >= after && child.exitCode === null) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  expect(code, 'the apply was killed before it finished').toBeNull();
  return written;
}

const marked = async (owner: string) => {
  const list = await client.list({ group: '', version: 'v1', resource: 'configmaps', namespace: target });
  return list.items.filter((o) => o.metadata.annotations?.['capstan.dev/inventory'] === owner).map((o) => o.metadata.name!).sort();
};

describe('a killed apply', () => {
  it('whose set creates the inventory\'s namespace leaves everything recorded; the rerun converges, and a later prune removes exactly the dropped objects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-kill-'));
    const file = join(dir, 'set.yaml');
    await writeFile(file, setYaml(names));
    const written = await applyKilledAfter(file, COUNT / 2 + 2);
    expect(written).toBeLessThan(COUNT + 2);

    const inventory = new ConfigMapInventory(client, 'kill', target);
    const recorded = (await inventory.load())!.filter((r) => r.kind === 'ConfigMap').map((r) => r.name).sort();
    expect(recorded).toEqual(names);
    const partial = await marked(inventory.id);
    expect(partial).toEqual(names.slice(0, COUNT / 2));

    // The rerun waits for the killed run's lock to expire, then converges.
    const rm = manager(client, target);
    const set: Manifest[] = manifests(setYaml(names));
    const rerun = await rm.sync(set, inventory, { lockWaitMs: 40_000 });
    expect(rerun.entries.filter((e) => e.action === 'created' || e.action === 'unchanged')).toHaveLength(COUNT + 2);
    expect(await marked(inventory.id)).toEqual(names);

    const kept = names.slice(0, COUNT - 50);
    const pruned = await rm.sync(manifests(setYaml(kept)), inventory);
    expect(pruned.entries.filter((e) => e.action === 'deleted').map((e) => e.ref.name).sort()).toEqual(names.slice(COUNT - 50));
    expect(pruned.entries.filter((e) => e.action === 'skipped')).toEqual([]);
    expect((await inventory.load())!.map((r) => r.kind === 'ConfigMap' ? r.name : r.kind).sort()).toEqual([...kept, 'Job', 'Namespace'].sort());
    expect(await marked(inventory.id)).toEqual(kept);
  }, 180_000);
});
