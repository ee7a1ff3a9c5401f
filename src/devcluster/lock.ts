import fs from 'node:fs/promises';
import path from 'node:path';

/** A held lock; release it when done. */
export interface Lock {
  release(): Promise<void>;
}

/**
 * Takes an exclusive lock on `file` across processes. The lock file holds the owner's pid, so a lock
 * left by a killed process is taken over instead of waited on forever.
 */
export async function acquireLock(file: string, onWait?: (ownerPid: number) => void): Promise<Lock> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  let warned = false;
  for (;;) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => fs.rm(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
    if (!owner || !isAlive(owner)) {
      // Stale: the owner died holding it. Remove and race for it again.
      await fs.rm(file, { force: true });
      continue;
    }
    if (!warned) {
      onWait?.(owner);
      warned = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
