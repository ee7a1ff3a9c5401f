import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What git needs to authenticate: environment, values to redact, and files to remove afterwards. */
export interface GitAuth {
  env: Record<string, string>;
  /** Every credential value, for {@link redact}. */
  secrets: string[];
  /** Removes the key files written for SSH. */
  dispose(): Promise<void>;
}

/** A credential Secret that cannot be used, and why. */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

/** No credentials: anonymous access. */
export const anonymous: GitAuth = { env: {}, secrets: [], dispose: async () => {} };

/**
 * Git credentials from the decoded data of a Secret: `username`/`password` (the
 * kubernetes.io/basic-auth keys) or `password` or `token` alone (user `git`) as HTTP basic auth,
 * sent as a header through git's environment so it never shows in arguments or remote URLs; or
 * `identity` (a private key) with `known_hosts` for SSH, written to files only this process reads.
 */
export async function gitAuth(secretName: string, data: Record<string, string>): Promise<GitAuth> {
  if (data['identity']) {
    if (!data['known_hosts']) throw new CredentialsError(`Secret ${secretName} has an identity but no known_hosts: add the server's host keys (ssh-keyscan HOST) under known_hosts`);
    await mkdir(tmpdir(), { recursive: true });
    const dir = await mkdtemp(join(tmpdir(), 'capstan-ssh-'));
    const identity = join(dir, 'identity');
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(identity, data['identity'].endsWith('\n') ? data['identity'] : `${data['identity']}\n`, { mode: 0o600 });
    await writeFile(knownHosts, data['known_hosts'], { mode: 0o600 });
    return {
      env: { GIT_SSH_COMMAND: `ssh -i ${identity} -o IdentitiesOnly=yes -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes` },
      secrets: [data['identity']],
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const password = data['password'] ?? data['token'];
  if (!password) throw new CredentialsError(`Secret ${secretName} holds no credentials: give it username and password (type kubernetes.io/basic-auth), a token, or identity and known_hosts for SSH`);
  const basic = Buffer.from(`${data['username'] || 'git'}:${password}`).toString('base64');
  return {
    env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` },
    secrets: [password, basic],
    dispose: async () => {},
  };
}
