import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { down, status, up } from '../../../src/devcluster/index.js';
import { isAlive } from '../../../src/devcluster/lock.js';
import { PodNetwork } from '../../../src/devcluster/network.js';
import { readState } from '../../../src/devcluster/state.js';
import { projectRoot } from '../../../src/devcluster/paths.js';
import { eventually } from '../harness.js';

const log = () => {};

function groupMembers(pgid: number): number[] {
  try {
    return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function netnsOf(stateDir: string): string[] {
  const prefix = `cap-${PodNetwork.idFor(stateDir)}-`;
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(prefix));
}

describe('capstan dev lifecycle', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-lifecycle-'));
  afterAll(() => down(stateDir));

  it('starts, is idempotent on a second up, and reports its status', async () => {
    const first = await up({ stateDir, nodes: 1, simulatedNodes: 0 }, log);
    expect(first.state.phase).toBe('ready');
    const second = await up({ stateDir, nodes: 1, simulatedNodes: 0 }, log);
    expect(second.state.pid).toBe(first.state.pid);
    expect(status(stateDir)?.phase).toBe('ready');
  });

  it('recovers on its own from a state directory left by a killed run', async () => {
    const killed = readState(stateDir)!;
    const orphans = groupMembers(killed.pid).filter((p) => p !== killed.pid);
    expect(orphans.length).toBeGreaterThan(0);
    process.kill(killed.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect(status(stateDir)?.phase).toBe('stopped');
    const again = await up({ stateDir, nodes: 1, simulatedNodes: 0 }, log);
    expect(again.state.phase).toBe('ready');
    expect(again.state.pid).not.toBe(killed.pid);
    expect(orphans.filter(isAlive)).toEqual([]);
  });

  it('leaves nothing running after down', async () => {
    const state = readState(stateDir)!;
    await down(stateDir);
    expect(isAlive(state.pid)).toBe(false);
    expect(groupMembers(state.pid)).toEqual([]);
    expect(netnsOf(stateDir)).toEqual([]);
    expect(fs.existsSync(stateDir)).toBe(false);
    expect(status(stateDir)).toBeUndefined();
  });

  it('stops an attached cluster by itself when the process that started it is killed', async () => {
    const script = `import { up } from './src/devcluster/index.ts';
await up({ stateDir: ${JSON.stringify(stateDir)}, nodes: 1, simulatedNodes: 0 }, () => {}, true);
console.log('READY');
setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      owner.stdout.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
      owner.on('exit', (code) => reject(new Error(`the owner exited early with ${code}`)));
    });
    const state = readState(stateDir)!;
    expect(groupMembers(state.pid).length).toBeGreaterThan(3);
    owner.kill('SIGKILL');
    await eventually('the orphaned cluster to stop itself', async () => !isAlive(state.pid) && groupMembers(state.pid).length === 0, 60_000);
    expect(netnsOf(stateDir)).toEqual([]);
    await down(stateDir);
  });

  it('names the port when the API server port asked for is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(up({ stateDir, nodes: 1, simulatedNodes: 0, apiPort: port }, log)).rejects.toThrow(`port ${port} on 127.0.0.1, asked for the API server (--api-port), is already in use`);
    } finally {
      blocker.close();
      await down(stateDir);
    }
  });
});
