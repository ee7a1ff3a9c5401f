import { pathToFileURL } from 'node:url';
import { importBundled } from './bundle.js';

/** What `capstan synth` needs of a cdk8s App. */
export interface SynthesizableApp {
  synth(): void;
}

/** An app module: ours export `createApp`, which `capstan synth` calls with the output directory. */
export interface AppModule {
  createApp?: (props: { outdir: string }) => SynthesizableApp;
}

/**
 * Imports the app's entry module in this process. TypeScript entries are compiled in one
 * esbuild pass unless a TypeScript loader is already active (tests, `tsx` itself); tsx's
 * loader is the fallback.
 */
export async function importAppModule(file: string): Promise<AppModule> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as AppModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  }
  const bundled = await importBundled(file);
  if (bundled !== undefined) return bundled as AppModule;
  let tsx: { tsImport: (specifier: string, parentURL: string) => Promise<unknown> };
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    throw new Error(`${file} is TypeScript and neither esbuild nor tsx is installed; install tsx (npm i -D tsx) or point --app at compiled JavaScript`);
  }
  return (await tsx.tsImport(url, import.meta.url)) as AppModule;
}
