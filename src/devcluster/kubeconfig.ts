import fs from 'node:fs/promises';
import { stringify } from 'yaml';
import type { KeyPair } from './pki.js';

/** Writes a kubeconfig for one identity of the local cluster, with absolute certificate paths. */
export async function writeKubeconfig(file: string, options: { name: string; server: string; caFile: string; user: string; client: KeyPair }): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: options.name, cluster: { server: options.server, 'certificate-authority': options.caFile } }],
    users: [{ name: options.user, user: { 'client-certificate': options.client.cert, 'client-key': options.client.key } }],
    contexts: [{ name: options.name, context: { cluster: options.name, user: options.user } }],
    'current-context': options.name,
  };
  await fs.writeFile(file, stringify(config), { mode: 0o600 });
}
