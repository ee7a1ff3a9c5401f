import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { diffDist, isClean, loadSynthConfig, synthesize, writeDist } from '../../../src/constructs/synth/index.js';

const repo = resolve(import.meta.dirname, '../../..');
const scratch: string[] = [];
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'capstan-synth-test-'));
  scratch.push(d);
  return d;
}

describe('capstan synth of the repository app', () => {
  it('reads the app and output from cdk8s.yaml', async () => {
    const config = await loadSynthConfig(join(repo, 'cdk8s.yaml'));
    expect(config).toEqual({ app: join(repo, 'apps/main.ts'), output: join(repo, 'dist') });
  });

  it('synthesizes the demo and etcd apps exactly as the snapshots', async () => {
    const manifests = await synthesize(join(repo, 'apps/main.ts'));
    expect([...manifests.keys()]).toEqual(['demo.k8s.yaml', 'etcd.k8s.yaml']);
    await expect(manifests.get('demo.k8s.yaml')).toMatchFileSnapshot('./__snapshots__/demo.k8s.yaml');
    await expect(manifests.get('etcd.k8s.yaml')).toMatchFileSnapshot('./__snapshots__/etcd.k8s.yaml');
  });

  it('is deterministic: two runs give byte-identical output', async () => {
    const first = await synthesize(join(repo, 'apps/main.ts'));
    const second = await synthesize(join(repo, 'apps/main.ts'));
    expect(second).toEqual(first);
  });

  it('matches the committed dist/ (what `capstan verify` checks)', async () => {
    const diff = await diffDist(join(repo, 'dist'), await synthesize(join(repo, 'apps/main.ts')));
    expect(diff, 'dist/ is stale: run `capstan synth` (or `npx cdk8s synth`) and commit dist/').toEqual({ changed: [], missing: [], extra: [] });
  });
});

describe('dist/ writing and verification', () => {
  it('names changed, missing and extra files, then writes exactly the manifests', async () => {
    const out = await tempDir();
    await writeFile(join(out, 'a.k8s.yaml'), 'old\n');
    await writeFile(join(out, 'gone.k8s.yaml'), 'x\n');
    await mkdir(join(out, 'sub'));
    await writeFile(join(out, 'sub', 'same.k8s.yaml'), 'same\n');
    const manifests = new Map([['a.k8s.yaml', 'new\n'], ['b.k8s.yaml', 'b\n'], ['sub/same.k8s.yaml', 'same\n']]);
    const diff = await diffDist(out, manifests);
    expect(diff).toEqual({ changed: ['a.k8s.yaml'], missing: ['b.k8s.yaml'], extra: ['gone.k8s.yaml'] });
    expect(isClean(diff)).toBe(false);
    await writeDist(out, manifests);
    expect(await readFile(join(out, 'a.k8s.yaml'), 'utf8')).toBe('new\n');
    expect(isClean(await diffDist(out, manifests))).toBe(true);
  });

  it('synthesizes any cdk8s app that synthesizes on import, and explains an app that does neither', async () => {
    const dir = await tempDir();
    const plain = join(dir, 'plain.mjs');
    await writeFile(plain, [
      `import { App, Chart, ApiObject } from ${JSON.stringify(join(repo, 'node_modules/cdk8s/lib/index.js'))};`,
      'const app = new App();',
      "new ApiObject(new Chart(app, 'one'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });",
      'app.synth();',
    ].join('\n'));
    const manifests = await synthesize(plain);
    expect(manifests.get('one.k8s.yaml')).toContain('kind: ConfigMap');
    const empty = join(dir, 'empty.mjs');
    await writeFile(empty, 'export const nothing = 1;\n');
    await expect(synthesize(empty)).rejects.toThrow(/empty\.mjs synthesized nothing: export `createApp/);
  });

  it('explains a cdk8s.yaml without an app entry', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'cdk8s.yaml'), 'app: make synth\n');
    await expect(loadSynthConfig(join(dir, 'cdk8s.yaml'))).rejects.toThrow(/cdk8s\.yaml: app command "make synth" names no \.ts or \.js entry module/);
  });
});
