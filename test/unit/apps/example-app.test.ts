import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { syncNameFor } from '../../../src/cli/commands/dev-deploy.js';

const repo = resolve(import.meta.dirname, '../../..');
const example = join(repo, 'examples', 'kafka');

/**
 * A user's app sees Capstan only as an installed package: what `npm pack` ships (bin/, lib/),
 * reached through its `exports`. This installs the packed package beside the example, with
 * Capstan's dependencies from this checkout, and runs the `capstan` the app would run.
 */
describe('examples/kafka, a user app that imports capstan/apps/kafka', () => {
  let app: string;
  beforeAll(async () => {
    if (!existsSync(join(repo, 'lib', 'apps', 'kafka', 'index.js'))) throw new Error('lib/ is not built: run `npm run build`');
    app = await mkdtemp(join(tmpdir(), 'capstan-example-'));
    for (const file of ['main.ts', 'cdk8s.yaml', 'package.json', 'dist']) await cp(join(example, file), join(app, file), { recursive: true });
    const modules = join(app, 'node_modules');
    await mkdir(join(modules, 'capstan'), { recursive: true });
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', app], { cwd: repo, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
    const untar = spawnSync('tar', ['-xzf', join(app, pack.stdout.trim()), '-C', join(modules, 'capstan'), '--strip-components=1'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
    for (const dep of await readdir(join(repo, 'node_modules'))) {
      if (!dep.startsWith('.')) await symlink(join(repo, 'node_modules', dep), join(modules, dep));
    }
  }, 60_000);
  afterAll(async () => {
    if (app) await rm(app, { recursive: true, force: true });
  });

  const capstan = (...args: string[]) => spawnSync(process.execPath, [join(app, 'node_modules', 'capstan', 'bin', 'capstan.js'), ...args], { cwd: app, encoding: 'utf8' });

  it('ships lib/apps but not the TypeScript sources', () => {
    expect(existsSync(join(app, 'node_modules', 'capstan', 'lib', 'apps', 'kafka', 'index.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'capstan', 'apps'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'capstan', 'src'))).toBe(false);
  });

  it('synthesizes exactly its committed dist/ through the package exports', () => {
    const verify = capstan('verify');
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toContain('dist/ is up to date');
    expect(verify.status).toBe(0);
  });

  it('finds the kafka operator in the installed package when the app names no operators of its own', () => {
    const run = capstan('operator', 'nosuch', '--kubeconfig', join(app, 'missing-kubeconfig'));
    expect(run.stderr).toMatch(/lib\/apps\/operators\.js has no operator "nosuch" \(it has: greeter, etcd, kafka\)/);
    expect(run.status).not.toBe(0);
  });

  it('deploys from its folder as a Sync of its own, so the repository\'s other apps are not pruned', () => {
    expect(syncNameFor(join('examples', 'kafka', 'dist'))).toBe('kafka');
    expect(syncNameFor('dist')).toBe('capstan');
  });

  it('locks the dependencies Capstan has now, so `npm ci` in the example installs', () => {
    const own = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(example, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string> }> };
    // When this fails: run `npm install` in examples/kafka and commit its package-lock.json.
    expect(lock.packages['node_modules/capstan']?.dependencies).toEqual(own.dependencies);
  });
});
