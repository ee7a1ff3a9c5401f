import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKeyring, type Keyring } from '../../../src/agent/git/keyring.js';
import { parseRemoteTags } from '../../../src/agent/git/tags.js';
import { VerificationError } from '../../../src/agent/git/verify-error.js';
import { commitSignature, verifyCommit, verifyTag } from '../../../src/agent/git/verify.js';
import { SigningKeys, type GitSigning } from '../../fixtures/signing-keys.js';

const run = promisify(execFile);
let trusted: SigningKeys;
let stranger: SigningKeys;
let repo: string;

async function git(signing: GitSigning | undefined, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', repo, '-c', 'user.name=Test', '-c', `user.email=${trusted.email}`, ...(signing?.config ?? []), ...args], { env: { ...process.env, ...signing?.env } });
  return stdout.trim();
}

async function commit(signing?: GitSigning): Promise<string> {
  await git(signing, 'commit', '-q', '--allow-empty', ...(signing ? ['-S'] : []), '-m', 'change');
  return git(undefined, 'rev-parse', 'HEAD');
}

/** The tag as ls-remote would list it. */
async function remoteTag(name: string) {
  return parseRemoteTags(await git(undefined, 'ls-remote', '--tags', '.')).get(name)!;
}

async function withKeyring<T>(data: Record<string, string>, use: (keyring: Keyring) => Promise<T>): Promise<T> {
  const keyring = await buildKeyring('ns/keys', data);
  try {
    return await use(keyring);
  } finally {
    await keyring.dispose();
  }
}

beforeAll(async () => {
  [trusted, stranger] = await Promise.all([SigningKeys.create('trusted'), SigningKeys.create('stranger')]);
  repo = mkdtempSync(join(tmpdir(), 'capstan-verify-repo-'));
  await run('git', ['init', '-q', repo]);
}, 60_000);

afterAll(async () => {
  await trusted?.dispose();
  await stranger?.dispose();
  rmSync(repo, { recursive: true, force: true });
});

describe('commit verification by git', () => {
  const keys = () => ({ 'maintainer.asc': trusted.gpgPublicKey, allowed_signers: trusted.allowedSigners });

  it('accepts a commit signed with a trusted GPG key and one signed with a trusted SSH key', async () => {
    const gpgSigned = await commit(trusted.gpg);
    const sshSigned = await commit(trusted.ssh);
    await withKeyring(keys(), async (keyring) => {
      await verifyCommit(repo, gpgSigned, keyring);
      await verifyCommit(repo, sshSigned, keyring);
    });
  });

  it.each([
    ['an unsigned commit', undefined, /^commit [0-9a-f]{12} is not signed, and spec.verify asks for a signature by a key of Secret ns\/keys$/],
    ['a commit signed with an unknown GPG key', 'gpg', /^commit [0-9a-f]{12} is signed with GPG key [0-9A-F]{16}, which is not among the keys of Secret ns\/keys$/],
    ['a commit signed with an unknown SSH key', 'ssh', /^commit [0-9a-f]{12} is signed with an SSH key that is not in the allowed_signers of Secret ns\/keys$/],
  ] as const)('refuses %s, saying which commit and why', async (_what, how, message) => {
    const sha = await commit(how ? stranger[how] : undefined);
    await withKeyring(keys(), async (keyring) => {
      const err = await verifyCommit(repo, sha, keyring).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VerificationError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(sha.slice(0, 12));
    });
  });

  it('refuses an SSH signature when the Secret has GPG keys only', async () => {
    const sha = await commit(trusted.ssh);
    await withKeyring({ key: trusted.gpgPublicKey }, async (keyring) => {
      await expect(verifyCommit(repo, sha, keyring)).rejects.toThrow(/has an SSH signature, and Secret ns\/keys has no allowed_signers/);
    });
  });

  it('reads the signature header of a raw commit', () => {
    const raw = 'tree 1\nauthor a\ngpgsig -----BEGIN SSH SIGNATURE-----\n abc\n -----END SSH SIGNATURE-----\n\nsubject\n';
    expect(commitSignature(raw)).toBe('-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----');
    expect(commitSignature('tree 1\n\ngpgsig in the message only\n')).toBeUndefined();
  });
});

describe('tag verification by git', () => {
  it('accepts a signed annotated tag of the commit, and refuses a lightweight or an unsigned one', async () => {
    const sha = await commit();
    await git(trusted.gpg, 'tag', '-s', '-m', 'release', 'v1.0.0');
    await git(undefined, 'tag', 'light');
    await git(undefined, 'tag', '-a', '-m', 'unsigned', 'v1.0.1');
    await withKeyring({ key: trusted.gpgPublicKey }, async (keyring) => {
      await verifyTag(repo, await remoteTag('v1.0.0'), sha, keyring);
      await expect(verifyTag(repo, await remoteTag('light'), sha, keyring)).rejects.toThrow(/tag light \(commit [0-9a-f]{12}\) is a lightweight tag/);
      await expect(verifyTag(repo, await remoteTag('v1.0.1'), sha, keyring)).rejects.toThrow(/tag v1.0.1 \(commit [0-9a-f]{12}\) is not signed/);
    });
  });
});

describe('the keyring of a verify Secret', () => {
  it.each([
    ['no keys', {}, /Secret ns\/keys holds no keys/],
    ['a private key', { mine: '-----BEGIN PGP PRIVATE KEY BLOCK-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PGP PRIVATE KEY BLOCK-----\n' }, /key mine of Secret ns\/keys holds a GPG private key/],
    ['text that is no key', { notes: 'c2VjcmV0LWtleS1tYXRlcmlhbA==' }, /key notes of Secret ns\/keys is not an armored GPG public key/],
    ['an armored block gpg cannot import', { broken: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PGP PUBLIC KEY BLOCK-----\n' }, /gpg could not import key broken of Secret ns\/keys/],
  ])('is refused for %s, naming the key and never printing it', async (_what, data, message) => {
    const err = await buildKeyring('ns/keys', data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('c2VjcmV0LWtleS1tYXRlcmlhbA');
  });
});
