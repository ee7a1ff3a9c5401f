import { describe, expect, it } from 'vitest';
import { ApiError, type KubeObject } from '../../../src/k8s/index.js';
import { tokenClient, useNamespace } from '../harness.js';

const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1' };
const pods = { group: '', version: 'v1', resource: 'pods' };

async function forbidden(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}

describe('RBAC on the local cluster', () => {
  const home = useNamespace('rbac-home');
  const away = useNamespace('rbac-away');

  it('denies a service account with a narrow Role everything outside it', async () => {
    const { client, name: namespace } = home;
    await client.create({ group: '', version: 'v1', resource: 'serviceaccounts', namespace }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'narrow' } });
    await client.create({ ...rbac, resource: 'roles', namespace }, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'read-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] });
    await client.create({ ...rbac, resource: 'rolebindings', namespace }, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'narrow' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-pods' },
      subjects: [{ kind: 'ServiceAccount', name: 'narrow', namespace }],
    });
    const request = await client.create<KubeObject & { status: { token: string } }>(
      { group: '', version: 'v1', resource: 'serviceaccounts', namespace, name: 'narrow', subresource: 'token' },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
    );
    const sa = tokenClient(request.status.token);
    try {
      expect((await sa.list({ ...pods, namespace })).items).toEqual([]);
      expect(await forbidden(sa.list({ ...pods, namespace: away.name }))).toBe(403);
      expect(await forbidden(sa.list({ group: '', version: 'v1', resource: 'secrets', namespace }))).toBe(403);
      expect(await forbidden(sa.create({ ...pods, namespace }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }))).toBe(403);
      expect(await forbidden(sa.list({ group: '', version: 'v1', resource: 'nodes' }))).toBe(403);
    } finally {
      sa.close();
    }
  });
});
