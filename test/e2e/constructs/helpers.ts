import { ApiError, KubeClient, type KubeObject } from '../../../src/k8s/index.js';
import { eventually, tokenClient } from '../harness.js';

/** REST ref of a CRD. */
export function crdRef(name?: string) {
  return { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name };
}

/**
 * Creates a CRD for real unless it already exists, and waits until it is Established.
 * Returns whether this call created it (so only the creator deletes it).
 */
export async function installCrd(client: KubeClient, crd: KubeObject): Promise<boolean> {
  let created = true;
  try {
    await client.create(crdRef(), crd);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
    created = false;
  }
  const name = crd.metadata.name!;
  await eventually(`CRD ${name} to be Established`, async () => {
    const live = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(crdRef(name));
    return live?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  });
  return created;
}

/** A client that authenticates as a service account, with a token from the TokenRequest API. */
export async function serviceAccountClient(admin: KubeClient, namespace: string, name: string): Promise<KubeClient> {
  const review = await admin.create<KubeObject & { status: { token: string } }>(
    { group: '', version: 'v1', resource: 'serviceaccounts', namespace, name, subresource: 'token' },
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { expirationSeconds: 600 } },
  );
  return tokenClient(review.status.token);
}

/** Runs `action` and returns the HTTP status it failed with, or 200 when it succeeded. */
export async function statusOf(action: () => Promise<unknown>): Promise<number> {
  try {
    await action();
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}
