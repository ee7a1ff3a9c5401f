import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
};

/** A built file of the front end, held in memory with its precompressed copy. */
export interface Asset { type: string; body: Buffer; gzip: Buffer }

/** Where the build (`vite build`) writes the front end: `lib/src/dashboard/assets/`, beside the compiled server. */
export function defaultAssetsDir(): string {
  // Run from the TypeScript sources (tests, benchmarks under tsx), the build's output is still in lib/.
  if (import.meta.url.endsWith('.ts')) return fileURLToPath(new URL('../../lib/src/dashboard/assets/', import.meta.url));
  return fileURLToPath(new URL('./assets/', import.meta.url));
}

/**
 * Reads the bundled front end into memory (it is a few tens of KiB). Fails with the command to run
 * when it was never built, as when the server runs from the TypeScript sources.
 */
export function loadAssets(dir = defaultAssetsDir()): Map<string, Asset> {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`the dashboard's front end is not built (no ${path.join(dir, 'index.html')}): run \`npm run build\``);
  }
  const out = new Map<string, Asset>();
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else {
        const body = fs.readFileSync(path.join(dir, rel));
        out.set(`/${rel}`, { type: TYPES[path.extname(entry.name)] ?? 'application/octet-stream', body, gzip: gzipSync(body, { level: 9 }) });
      }
    }
  };
  walk('');
  return out;
}
