import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeCheckoutRemote, repositoryName, setCheckoutRemote } from '../../../src/devcluster/checkout-remote.js';

let dir: string;
const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'capstan-remote-'));
  git('init', '-q');
  git('remote', 'add', 'origin', 'https://example.com/mine.git');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the checkout\'s capstan remote', () => {
  it('is added, updated and removed, and the user\'s own remotes stay', async () => {
    await setCheckoutRemote(dir, 'http://capstan:pw@10.200.0.1:1234/app.git');
    await setCheckoutRemote(dir, 'http://capstan:pw@10.200.0.1:5678/app.git');
    expect(git('remote', 'get-url', 'capstan')).toBe('http://capstan:pw@10.200.0.1:5678/app.git');
    expect(await removeCheckoutRemote(dir)).toBe(true);
    expect(git('remote')).toBe('origin');
    expect(await removeCheckoutRemote(dir)).toBe(false);
  });

  it('refuses a capstan remote the user made, and never removes it', async () => {
    git('remote', 'add', 'capstan', 'https://user:secret@example.com/other.git');
    await expect(setCheckoutRemote(dir, 'http://10.200.0.1:1234/app.git')).rejects.toThrow(/already has a remote named capstan \(https:\/\/\*\*\*@example.com\/other.git\) that Capstan did not add/);
    expect(await removeCheckoutRemote(dir)).toBe(false);
    expect(git('remote', 'get-url', 'capstan')).toBe('https://user:secret@example.com/other.git');
  });

  it('names the repository after the checkout directory', () => {
    expect(repositoryName('/home/me/My Project')).toBe('My-Project');
    expect(repositoryName('/work/capstan')).toBe('capstan');
  });
});
