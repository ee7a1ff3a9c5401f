import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Builds the dashboard's front end into lib/src/dashboard/assets, beside the compiled server that serves it. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../lib/src/dashboard/assets', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
  },
});
