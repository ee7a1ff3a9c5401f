import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { defineCustomResource, defineOperator, operatorRules } from '../../../src/constructs/schema/index.js';

const Db = defineCustomResource({ group: 'db.test.capstan.dev', version: 'v1', kind: 'Database', plural: 'databases', spec: Type.Object({ size: Type.Integer() }) });
const Backup = defineCustomResource({ group: 'db.test.capstan.dev', version: 'v1', kind: 'Backup', plural: 'backups', spec: Type.Object({}) });

describe('operatorRules', () => {
  it('grants full access to owned kinds, read access to watched kinds, and what the runtime needs', () => {
    const op = defineOperator({
      name: 'db',
      reconciles: [Db],
      owns: [{ apiVersion: 'apps/v1', kind: 'StatefulSet' }, { apiVersion: 'v1', kind: 'Service' }, { apiVersion: 'v1', kind: 'Pod', subresources: ['exec'] }],
      watches: [{ apiVersion: 'v1', kind: 'Secret' }, Backup],
    });
    const rules = operatorRules(op);
    expect(rules.cluster).toEqual([]);
    const all = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    expect(rules.namespaced).toEqual([
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: [''], resources: ['pods', 'services'], verbs: all },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get', 'patch', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['statefulsets'], verbs: all },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'list', 'patch', 'update', 'watch'] },
      { apiGroups: ['db.test.capstan.dev'], resources: ['backups'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['db.test.capstan.dev'], resources: ['databases'], verbs: ['get', 'list', 'patch', 'update', 'watch'] },
      { apiGroups: ['db.test.capstan.dev'], resources: ['databases/finalizers'], verbs: ['update'] },
      { apiGroups: ['db.test.capstan.dev'], resources: ['databases/status'], verbs: ['get', 'patch', 'update'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
    // Nothing beyond the declaration: no wildcard, no Secret writes, no Deployments.
    const flat = rules.namespaced.flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}:${r.verbs.join(',')}`));
    expect(flat.some((f) => f.includes('*'))).toBe(false);
    expect(flat.find((f) => f.startsWith('/secrets'))).toBe('/secrets:get,list,watch');
    expect(flat.some((f) => f.startsWith('apps/deployments'))).toBe(false);
  });

  it('moves kind rules to a ClusterRole when cluster-wide, keeping leases namespaced', () => {
    const op = defineOperator({ name: 'db', reconciles: [Db], owns: [{ apiVersion: 'v1', kind: 'Namespace' }], clusterWide: true });
    const rules = operatorRules(op);
    expect(rules.namespaced).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'list', 'patch', 'update', 'watch'] }]);
    expect(rules.cluster.map((r) => `${r.apiGroups[0]}:${r.resources.join('+')}`)).toEqual([
      ':events', ':namespaces', 'db.test.capstan.dev:databases', 'db.test.capstan.dev:databases/finalizers', 'db.test.capstan.dev:databases/status', 'events.k8s.io:events',
    ]);
  });

  it('refuses cluster-scoped kinds for a namespaced operator, and unknown kinds without a resource name', () => {
    expect(() => defineOperator({ name: 'db', reconciles: [Db], watches: [{ apiVersion: 'v1', kind: 'Node' }] }))
      .toThrow(/operator db: watches nodes\.core is cluster-scoped; set clusterWide: true/);
    expect(() => defineOperator({ name: 'db', reconciles: [Db], owns: [{ apiVersion: 'example.com/v1', kind: 'Widget' }] }))
      .toThrow(/kind example\.com\/v1 Widget is not a built-in kind .* give its plural `resource` and `namespaced`/);
    const op = defineOperator({ name: 'db', reconciles: [Db], owns: [{ apiVersion: 'example.com/v1', kind: 'Widget', resource: 'widgets', namespaced: true }] });
    expect(operatorRules(op).namespaced.some((r) => r.apiGroups[0] === 'example.com' && r.resources.includes('widgets'))).toBe(true);
  });

  it('validates the operator name and replicas', () => {
    expect(() => defineOperator({ name: 'Bad_Name', reconciles: [Db] })).toThrow(/name must be a lowercase DNS label/);
    expect(() => defineOperator({ name: 'db', reconciles: [] })).toThrow(/reconciles must list/);
    expect(() => defineOperator({ name: 'db', reconciles: [Db], replicas: 0 })).toThrow(/replicas/);
  });
});
