import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { importAppModule } from './load-app.js';

/** Synthesized manifests: path relative to the output directory, to contents. */
export type Manifests = Map<string, string>;

/**
 * Runs the app in this process and returns its manifests, exactly as `cdk8s synth` would write
 * them. An app exporting `createApp(props)` is called with a scratch output directory; any
 * other cdk8s app is imported with CDK8S_OUTDIR pointing there and synthesizes on import.
 */
export async function synthesize(appFile: string): Promise<Manifests> {
  await access(appFile).catch(() => {
    throw new Error(`the app entry ${appFile} does not exist; fix \`app:\` in cdk8s.yaml or pass --app`);
  });
  const scratch = await mkdtemp(join(tmpdir(), 'capstan-synth-'));
  const previous = process.env['CDK8S_OUTDIR'];
  process.env['CDK8S_OUTDIR'] = scratch;
  try {
    const mod = await importAppModule(appFile);
    if (typeof mod.createApp === 'function') {
      const app = mod.createApp({ outdir: scratch });
      if (!app || typeof app.synth !== 'function') throw new Error(`${appFile}: createApp() must return a cdk8s App`);
      app.synth();
    }
    const manifests = await readTree(scratch);
    if (manifests.size === 0) {
      throw new Error(`${appFile} synthesized nothing: export \`createApp(props: AppProps): App\` from it, or call app.synth() when it is imported`);
    }
    return manifests;
  } finally {
    if (previous === undefined) delete process.env['CDK8S_OUTDIR'];
    else process.env['CDK8S_OUTDIR'] = previous;
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Every file under `dir`, keyed by its path relative to `dir` with / separators; empty when `dir` is absent. */
export async function readTree(dir: string): Promise<Manifests> {
  const files: Manifests = new Map();
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return files;
    throw err;
  }
  const paths = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  await Promise.all(paths.map(async (p) => files.set(relative(dir, p).split('\\').join('/'), await readFile(p, 'utf8'))));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
