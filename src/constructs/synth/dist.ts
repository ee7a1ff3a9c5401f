import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readTree, type Manifests } from './synthesize.js';

/** How the output directory differs from freshly synthesized manifests. */
export interface DistDiff {
  /** In both, with different contents. */
  readonly changed: string[];
  /** Synthesized, not in the directory. */
  readonly missing: string[];
  /** In the directory, no longer synthesized. */
  readonly extra: string[];
}

/** Compares `outdir` with `manifests`, file by file. */
export async function diffDist(outdir: string, manifests: Manifests): Promise<DistDiff> {
  const current = await readTree(outdir);
  const diff: DistDiff = { changed: [], missing: [], extra: [] };
  for (const [path, content] of manifests) {
    const existing = current.get(path);
    if (existing === undefined) diff.missing.push(path);
    else if (existing !== content) diff.changed.push(path);
  }
  for (const path of current.keys()) if (!manifests.has(path)) diff.extra.push(path);
  return diff;
}

/** True when the directory holds exactly the manifests. */
export function isClean(diff: DistDiff): boolean {
  return diff.changed.length + diff.missing.length + diff.extra.length === 0;
}

/**
 * Makes `outdir` hold exactly `manifests`, like `cdk8s synth` (which empties it first), but
 * leaves unchanged files untouched and writes nothing when synthesis failed earlier.
 */
export async function writeDist(outdir: string, manifests: Manifests): Promise<DistDiff> {
  const diff = await diffDist(outdir, manifests);
  for (const path of diff.extra) await rm(join(outdir, path), { force: true });
  for (const path of [...diff.missing, ...diff.changed]) {
    const file = join(outdir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, manifests.get(path)!);
  }
  await mkdir(outdir, { recursive: true });
  return diff;
}
