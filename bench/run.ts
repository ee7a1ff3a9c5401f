/**
 * Runs the benchmarks one after another and prints each one's markdown table.
 *
 *   npm run bench [-- <name>...] [-- --runs 5 ...]
 *
 * With names (`apply`, `synth`, `controller`, `devcluster`, …) only those run; every other
 * argument is passed to each runner. A runner that fails stops the whole run with its exit code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(here, e.name, 'run.ts')))
  .map((e) => e.name)
  .sort();
const args = process.argv.slice(2);
const chosen = args.filter((a) => available.includes(a));
const passed = args.filter((a) => !available.includes(a));
const unknown = passed.filter((a, i) => !a.startsWith('--') && !(passed[i - 1]?.startsWith('--')));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}: choose from ${available.join(', ')}\n`);
  process.exit(2);
}
for (const name of chosen.length ? chosen : available) {
  process.stdout.write(`\n## ${name}\n\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, name, 'run.ts'), ...passed], { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`bench/${name}/run.ts failed with exit code ${result.status}\n`);
    process.exit(result.status ?? 1);
  }
}
