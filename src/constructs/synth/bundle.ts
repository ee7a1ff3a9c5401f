import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The part of esbuild's API used here (esbuild comes with tsx). */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
}

/**
 * Compiles a TypeScript app and the project code it imports into one ES module (packages stay
 * external) and imports it. One esbuild pass is much cheaper than a per-file loader. Each
 * file keeps its own `import.meta.url`/`dirname`/`filename`, so apps that read files next
 * to them behave as under tsx. Returns undefined when esbuild is not installed.
 */
export async function importBundled(file: string): Promise<unknown> {
  let esbuild: Esbuild;
  try {
    esbuild = (await import('esbuild' as string)) as Esbuild;
  } catch {
    return undefined;
  }
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'silent',
    plugins: [keepImportMeta],
  });
  const code = result.outputFiles[0]!.text;
  // The bundle must sit where the app's packages resolve from: the nearest node_modules.
  const cacheDir = join(nearestNodeModules(dirname(file)) ?? dirname(file), '.cache', 'capstan-synth');
  await mkdir(cacheDir, { recursive: true });
  const bundle = join(cacheDir, `${createHash('sha256').update(file).update(code).digest('hex').slice(0, 16)}-${process.pid}.mjs`);
  await writeFile(bundle, code);
  try {
    return await import(pathToFileURL(bundle).href);
  } finally {
    await rm(bundle, { force: true });
  }
}

const keepImportMeta = {
  name: 'capstan-keep-import-meta',
  setup(build: { onLoad(filter: { filter: RegExp }, cb: (args: { path: string }) => Promise<{ contents: string; loader: string }>): void }) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const contents = source
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

function nearestNodeModules(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
