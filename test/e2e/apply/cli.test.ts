import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runApply } from '../../../src/cli/commands/apply.js';
import { runDiff } from '../../../src/cli/commands/diff.js';
import { adminClient, kubeconfigPath, useNamespace } from '../harness.js';

const { name: ns } = useNamespace('apply-cli');

afterEach(() => { vi.restoreAllMocks(); });

function capture(): { out: () => string } {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { text += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { out: () => text };
}

describe('capstan apply / diff', () => {
  it('diff exits 1 before apply, apply -o json reports, diff exits 0 after', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-cli-'));
    const file = join(dir, 'app.yaml');
    await writeFile(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cli\ndata: {k: v}\n`);
    const common = { kubeconfig: kubeconfigPath(), namespace: ns };

    let c = capture();
    expect(await runDiff([file], common)).toBe(1);
    expect(c.out()).toContain(`+++ merged/ConfigMap/${ns}/cli`);
    vi.restoreAllMocks();

    c = capture();
    expect(await runApply([file], { ...common, output: 'json', inventory: 'cli-inv', wait: '30s' })).toBe(0);
    const report = JSON.parse(c.out()) as { entries: { action: string; health?: { status: string } }[]; summary: Record<string, number> };
    vi.restoreAllMocks();
    expect(report.summary.created).toBe(1);
    expect(report.entries[0]!.health?.status).toBe('Current');

    c = capture();
    expect(await runDiff([file], { ...common, inventory: 'cli-inv' })).toBe(0);
    expect(c.out()).toBe('');
    vi.restoreAllMocks();

    // The object leaves the manifests: diff shows the deletion, apply --prune performs it.
    await writeFile(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cli-2\n`);
    c = capture();
    expect(await runDiff([file], { ...common, inventory: 'cli-inv' })).toBe(1);
    expect(c.out()).toContain(`--- live/ConfigMap/${ns}/cli`);
    vi.restoreAllMocks();
    c = capture();
    expect(await runApply([file], { ...common, inventory: 'cli-inv', prune: true })).toBe(0);
    vi.restoreAllMocks();
    expect(c.out()).toContain(`ConfigMap/${ns}/cli deleted`);
    expect(c.out()).toContain(`ConfigMap/${ns}/cli-2 created`);
    const client = adminClient();
    try {
      const gone = await client.get({ group: '', version: 'v1', resource: 'configmaps', namespace: ns, name: 'cli' });
      expect(!gone || !!gone.metadata.deletionTimestamp).toBe(true);
    } finally {
      client.close();
    }
  });

  it('apply exits 1 and names the file, document and line of a broken manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-cli-'));
    const file = join(dir, 'broken.yaml');
    await writeFile(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n`);
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
    expect(await runApply([file], { kubeconfig: kubeconfigPath(), namespace: ns })).toBe(1);
    expect(err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: document 1 \\(line 6\\): invalid YAML`));
  });

  it('apply -o json after a stop reports what was written and what was never tried, and --wait bounds the wait between waves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-cli-'));
    const file = join(dir, 'waves.yaml');
    // A LoadBalancer never gets an address here, so wave 1 never starts.
    await writeFile(file, `apiVersion: v1\nkind: Service\nmetadata:\n  name: lb\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: later\n  annotations: {capstan.dev/wave: "1"}\n`);
    const c = capture();
    expect(await runApply([file], { kubeconfig: kubeconfigPath(), namespace: ns, output: 'json', wait: '3s' })).toBe(1);
    vi.restoreAllMocks();
    const report = JSON.parse(c.out()) as { error: string; entries: { ref: { name: string }; action: string }[] };
    expect(report.error).toMatch(/waiting before wave 1.*timed out after 3s.*Service\/.*\/lb is InProgress: LoadBalancer has no ingress address yet/);
    expect(report.entries.map((e) => `${e.ref.name} ${e.action}`)).toEqual(['lb created', 'later pending']);
  });

  it('prints each object as it is written, and a hint where YAML 1.1 read an unquoted value otherwise than it looks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-cli-'));
    const file = join(dir, 'trap.yaml');
    await writeFile(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  verbose: y\n  mode: 0644\n`);
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
    expect(await runApply([file], { kubeconfig: kubeconfigPath(), namespace: ns })).toBe(1);
    vi.restoreAllMocks();
    expect(err).toMatch(/ConfigMap\/.*\/flags \(.*trap\.yaml, document 0, line 1\)/);
    expect(err).toMatch(/hint: line 6: unquoted y is read as the boolean true .*quote it \("y"\)/);
    expect(err).toMatch(/line 7: unquoted 0644 is read as the octal number 420/);

    const progress: string[] = [];
    const good = join(dir, 'good.yaml');
    await writeFile(good, ['a', 'b', 'c'].map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: each-${n}\n`).join('---\n'));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { progress.push(String(chunk)); return true; });
    expect(await runApply([good], { kubeconfig: kubeconfigPath(), namespace: ns })).toBe(0);
    vi.restoreAllMocks();
    expect(progress.slice(0, 3).map((l) => l.trim()).sort()).toEqual(['a', 'b', 'c'].map((n) => `ConfigMap/${ns}/each-${n} created`));
  });
});
