import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { restartDelayMs, shouldRestart } from '../../../src/devcluster/node/container-runtime.js';
import { acquireLock } from '../../../src/devcluster/lock.js';
import { ensureBinaries } from '../../../src/devcluster/build.js';
import { cacheKey } from '../../../src/devcluster/versions.js';

describe('restart rules', () => {
  it('follows restartPolicy', () => {
    expect(shouldRestart('Always', 0)).toBe(true);
    expect(shouldRestart('OnFailure', 0)).toBe(false);
    expect(shouldRestart('OnFailure', 2)).toBe(true);
    expect(shouldRestart('Never', 2)).toBe(false);
  });

  it('backs off from 1 s doubling to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('build cache', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('takes over a lock whose owner died', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lock-')), 'x.lock');
    fs.writeFileSync(file, '999999999');
    const lock = await acquireLock(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(String(process.pid));
    await lock.release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('explains that Go is missing, and treats a half-built cache as missing', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-'));
    const half = path.join(cache, 'bin', cacheKey());
    fs.mkdirSync(half, { recursive: true });
    fs.writeFileSync(path.join(half, 'kube-apiserver'), 'truncated');
    fs.writeFileSync(path.join(half, '.complete'), JSON.stringify({ sizes: { 'kube-apiserver': 123456 } }));
    process.env.CAPSTAN_CACHE_DIR = cache;
    delete process.env.CAPSTAN_BIN_DIR;
    process.env.GO = '/nonexistent/go';
    await expect(ensureBinaries()).rejects.toThrow(/Go is needed to build the local cluster's binaries .* `\/nonexistent\/go` was not found\. Install Go 1\.26 or newer/);
  });

  it('names what a prebuilt binary directory lacks', async () => {
    process.env.CAPSTAN_BIN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'bins-'));
    await expect(ensureBinaries()).rejects.toThrow(/lacks kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok, kwok-stages\.yaml/);
  });
});
