import type { KubeClient } from '../k8s/index.js';
import { anonymous, CredentialsError, gitAuth, type GitAuth } from './git/auth.js';

/** The decoded data of Secret `name` in `namespace`; throws CredentialsError naming it when it is missing. */
export async function secretData(client: KubeClient, namespace: string, name: string, field: string): Promise<Record<string, string>> {
  const secret = await client.get({ group: '', version: 'v1', resource: 'secrets', namespace, name });
  if (!secret) throw new CredentialsError(`${field} names Secret ${namespace}/${name}, which does not exist: create it, or fix ${field}`);
  const data = (secret['data'] ?? {}) as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/** The git credentials of a Sync: anonymous without `spec.secretRef`. */
export async function syncCredentials(client: KubeClient, namespace: string, secretRef: { name: string } | undefined): Promise<GitAuth> {
  if (!secretRef) return anonymous;
  return gitAuth(`${namespace}/${secretRef.name}`, await secretData(client, namespace, secretRef.name, 'spec.secretRef'));
}
