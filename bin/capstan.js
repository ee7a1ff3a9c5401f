#!/usr/bin/env node
// The `capstan` command: runs the compiled CLI in lib/ (built by `npm ci`/`npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../lib/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('capstan: lib/ is missing: run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(main.href);
