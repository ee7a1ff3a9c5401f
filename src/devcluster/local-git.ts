import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubeClient } from '../k8s/index.js';
import { notifyAgents } from './git-notify.js';
import { GitServer } from './git-server.js';

/** The name under which pods reach the host (each pod's hosts file has it). */
export const POD_HOST_NAME = 'host.capstan.internal';

/** Where the local git server is, as the cluster state records it. */
export interface LocalGitInfo {
  /** Base URL from this host, e.g. `http://10.201.0.1:41234`. */
  url: string;
  /** Base URL from pods, e.g. `http://host.capstan.internal:41234`. */
  podUrl: string;
  /** Directory of the bare repositories. */
  root: string;
  /** File (mode 0600) holding `{"username","password"}`. */
  credentials: string;
}

/** The account of the local git server. */
export interface GitCredentials {
  username: string;
  password: string;
}

/** Reads the local git server's account from its credentials file. */
export async function readGitCredentials(info: LocalGitInfo): Promise<GitCredentials> {
  return JSON.parse(await readFile(info.credentials, 'utf8')) as GitCredentials;
}

/**
 * Starts the local cluster's git server on `host` (the pod network's gateway, so pods reach it as
 * host.capstan.internal, and this host at the same address), with a fresh password, and tells the
 * sync agents of each push.
 */
export async function startLocalGit(stateDir: string, host: string, admin: KubeClient, log: (line: string) => void): Promise<{ info: LocalGitInfo; close(): Promise<void> }> {
  const dir = path.join(stateDir, 'git');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const account: GitCredentials = { username: 'capstan', password: randomBytes(18).toString('hex') };
  const credentials = path.join(dir, 'credentials.json');
  await writeFile(credentials, JSON.stringify(account), { mode: 0o600 });
  const root = path.join(dir, 'repos');
  let port = 0;
  const server = new GitServer({
    root,
    ...account,
    onPush: (repository, refs) => void notifyAgents(admin, repository, [`${POD_HOST_NAME}:${port}`, `${host}:${port}`], refs, log),
  });
  port = await server.listen(0, host);
  return { info: { url: `http://${host}:${port}`, podUrl: `http://${POD_HOST_NAME}:${port}`, root, credentials }, close: () => server.close() };
}
