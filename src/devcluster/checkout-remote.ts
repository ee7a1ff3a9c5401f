import path from 'node:path';
import { exec, execOrThrow } from './exec.js';

/** The remote `capstan dev` adds to a checkout. */
export const REMOTE = 'capstan';
/** Marks the remote as ours, so `dev down` removes it and never a remote of the user's that has the same name. */
const MARK = `remote.${REMOTE}.capstanDev`;

/** The top directory of the git checkout holding `dir`, or undefined when there is none. */
export async function checkoutRoot(dir: string): Promise<string | undefined> {
  const out = await exec('git', ['-C', dir, 'rev-parse', '--show-toplevel']);
  return out.code === 0 ? out.stdout.trim() : undefined;
}

/** The repository name the local git server keeps a checkout under: its directory name, made safe. */
export function repositoryName(root: string): string {
  return path.basename(root).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'app';
}

/**
 * Points the checkout's `capstan` remote at `url` (adding it, or updating the one an earlier
 * `dev up` added). A `capstan` remote the user made is refused, untouched.
 */
export async function setCheckoutRemote(root: string, url: string): Promise<void> {
  const existing = await exec('git', ['-C', root, 'remote', 'get-url', REMOTE]);
  if (existing.code === 0) {
    const ours = await exec('git', ['-C', root, 'config', '--get', MARK]);
    if (ours.stdout.trim() !== 'true') throw new Error(`the checkout ${root} already has a remote named ${REMOTE} (${existing.stdout.trim().replace(/\/\/[^@/]*@/, '//***@')}) that Capstan did not add: rename it (git remote rename ${REMOTE} other) and run again`);
    await execOrThrow('git', ['-C', root, 'remote', 'set-url', REMOTE, url]);
    return;
  }
  await execOrThrow('git', ['-C', root, 'remote', 'add', REMOTE, url]);
  await execOrThrow('git', ['-C', root, 'config', MARK, 'true']);
}

/** Removes the `capstan` remote if Capstan added it; the user's remotes, branches and commits stay. Resolves whether it removed one. */
export async function removeCheckoutRemote(root: string): Promise<boolean> {
  const ours = await exec('git', ['-C', root, 'config', '--get', MARK]);
  if (ours.stdout.trim() !== 'true') return false;
  await execOrThrow('git', ['-C', root, 'remote', 'remove', REMOTE]);
  return true;
}
