import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

/** Where the cdk8s app is and where its manifests go, as cdk8s.yaml says. */
export interface SynthConfig {
  /** Absolute path of the app's entry module. */
  readonly app: string;
  /** Absolute path of the output directory. */
  readonly output: string;
}

/** Raised when cdk8s.yaml is missing or does not say where the app is. */
export class SynthConfigError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'SynthConfigError';
  }
}

/**
 * Reads cdk8s.yaml: `app` is a command such as `npx tsx apps/main.ts`, whose last
 * .ts/.mts/.js/.mjs argument is the entry module; `output` defaults to `dist`.
 * Explicit `app`/`output` override the file (then the file may be absent).
 */
export async function loadSynthConfig(configFile: string, overrides: { app?: string | undefined; output?: string | undefined } = {}): Promise<SynthConfig> {
  const root = dirname(resolve(configFile));
  let doc: { app?: unknown; output?: unknown } = {};
  try {
    doc = (parse(await readFile(configFile, 'utf8')) ?? {}) as typeof doc;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !overrides.app) {
      throw new SynthConfigError(configFile, `cannot read it (${(err as Error).message}); run from the repository root or pass --app`);
    }
  }
  let app = overrides.app;
  if (!app) {
    if (typeof doc.app !== 'string') throw new SynthConfigError(configFile, 'has no `app:` command; write e.g. `app: npx tsx apps/main.ts`');
    app = doc.app.split(/\s+/).reverse().find((token) => /\.(m?ts|m?js)$/.test(token));
    if (!app) throw new SynthConfigError(configFile, `app command "${doc.app}" names no .ts or .js entry module`);
  }
  const output = overrides.output ?? (typeof doc.output === 'string' ? doc.output : 'dist');
  return { app: resolve(root, app), output: resolve(root, output) };
}
