import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigMapInventory } from '../../../src/apply/index.js';
import { runDiff } from '../../../src/cli/commands/diff.js';
import { kubeconfigPath, useNamespace } from '../harness.js';
import { manager, manifests, refs, suffix } from './helpers.js';

const { name: ns, client } = useNamespace('apply-diff');
const fresh = `apply-diff-new-${suffix()}`;
afterAll(async () => {
  await client.delete(refs.namespace(fresh));
});
afterEach(() => { vi.restoreAllMocks(); });

/** Runs `capstan diff` in-process; resolves its exit code and what it printed on stdout and stderr. */
async function diffCli(yaml: string, options: { output?: string; inventory?: string; kubeconfig?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-diff-'));
  await writeFile(join(dir, 'set.yaml'), yaml);
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
  const code = await runDiff([join(dir, 'set.yaml')], { kubeconfig: options.kubeconfig ?? kubeconfigPath(), namespace: ns, ...options });
  vi.restoreAllMocks();
  return { code, out, err };
}

const PASSWORD = 'correct-horse-battery-staple';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (name: string, data: Record<string, string>, namespace = ns) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata: ${JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])))}\n---\n`;

describe('capstan diff', () => {
  it('never prints Secret values: changed, pruned, or new in a namespace the set creates, in text and JSON; it names the keys that change', async () => {
    const rm = manager(client, ns);
    const inventory = new ConfigMapInventory(client, 'secrets', ns);
    await rm.sync(manifests(secret('db', { password: `old-${PASSWORD}`, user: 'admin-user-name' }) + secret('gone', { token: `gone-${PASSWORD}` })), inventory);

    const next =
      secret('db', { password: `new-${PASSWORD}`, user: 'admin-user-name' }) +
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${fresh}\n---\n` +
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\n  namespace: ${fresh}\nstringData:\n  apiKey: plain-${PASSWORD}\n`;
    const values = [PASSWORD, b64(`old-${PASSWORD}`), b64(`new-${PASSWORD}`), b64(`gone-${PASSWORD}`), b64('admin-user-name'), 'admin-user-name'];

    const text = await diffCli(next, { inventory: 'secrets' });
    expect(text.code).toBe(1);
    for (const value of values) expect(text.out + text.err).not.toContain(value);
    expect(text.out).toMatch(/-\s+password: "\*\*\* \(before\)"/);
    expect(text.out).toMatch(/\+\s+password: "\*\*\* \(after\)"/);
    expect(text.out).toMatch(/ {2}user: "?\*\*\*"?\n/);
    expect(text.out).toContain(`+++ merged/Secret/${fresh}/api`);
    expect(text.out).toContain(`--- live/Secret/${ns}/gone`);

    const json = await diffCli(next, { inventory: 'secrets', output: 'json' });
    expect(json.code).toBe(1);
    for (const value of values) expect(json.out).not.toContain(value);
    expect(JSON.parse(json.out).entries.map((e: { ref: { name: string }; action: string }) => `${e.ref.name} ${e.action}`)).toEqual(expect.arrayContaining(['db configured', 'api created', 'gone deleted']));
  });

  it('reports a field-ownership conflict on its object, still shows the other diffs, and exits 2', async () => {
    await client.apply(refs.configMap(ns, 'contested'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'contested', namespace: ns }, data: { owner: 'theirs' } }, { fieldManager: 'other-tool' });
    const result = await diffCli(
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: contested\ndata: {owner: ours}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: innocent\ndata: {k: v}\n`,
    );
    expect(result.code).toBe(2);
    expect(result.out).toContain(`+++ merged/ConfigMap/${ns}/innocent`);
    expect(result.err).toMatch(new RegExp(`ConfigMap/${ns}/contested failed: conflict: \\.data\\.owner is owned by field manager "other-tool"`));
  });

  it('exits 2, with no unhandled rejection, when the API server cannot be reached', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-diff-'));
    const unreachable = join(dir, 'kubeconfig');
    await writeFile(unreachable, (await readFile(kubeconfigPath(), 'utf8')).replace(/server: https:\/\/[^\s]+/, 'server: https://127.0.0.1:1'));
    const kinds = ['v1/ConfigMap', 'v1/Service', 'apps/v1/Deployment', 'batch/v1/Job', 'v1/Secret']
      .map((k) => { const [apiVersion, kind] = [k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)]; return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\n---\n`; }).join('');
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const result = await diffCli(kinds, { kubeconfig: unreachable });
      await new Promise((r) => setTimeout(r, 200));
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/cannot reach the API server at https:\/\/127\.0\.0\.1:1/);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
  });
});
