import type { KubeClient, KubeObject } from '../k8s/index.js';
import { anonymous, CredentialsError, gitAuth, type GitAuth } from './git/auth.js';

/** Reads Secret `name` in `namespace`: `undefined` when it does not exist. */
export type SecretGetter = (namespace: string, name: string) => Promise<KubeObject | undefined>;

/** A {@link SecretGetter} that asks the API server each time. */
export function secretsOf(client: KubeClient): SecretGetter {
  return (namespace, name) => client.get({ group: '', version: 'v1', resource: 'secrets', namespace, name });
}

/** The decoded data of Secret `name` in `namespace`; throws CredentialsError naming it and `field` when it is missing. */
export async function secretData(secrets: SecretGetter, namespace: string, name: string, field: string): Promise<Record<string, string>> {
  const secret = await secrets(namespace, name);
  if (!secret) throw new CredentialsError(`${field} names Secret ${namespace}/${name}, which does not exist: create it, or fix ${field}`);
  const data = (secret['data'] ?? {}) as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/** The git credentials of a Sync: anonymous without `spec.secretRef`. */
export async function syncCredentials(secrets: SecretGetter, namespace: string, secretRef: { name: string } | undefined): Promise<GitAuth> {
  if (!secretRef) return anonymous;
  return gitAuth(`${namespace}/${secretRef.name}`, await secretData(secrets, namespace, secretRef.name, 'spec.secretRef'));
}
