import { describe, expect, it } from 'vitest';
import { formatDependsOn } from '../../../src/constructs/schema/index.js';
import { resolveDependsOn, type StageItem } from '../../../src/apply/staging.js';

describe('depends-on annotation', () => {
  const refs = [
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'db' },
    { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'db' },
    { apiVersion: 'v1', kind: 'Namespace', name: 'shop' },
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'db' },
  ];

  it('writes core, grouped and cluster-scoped references, sorted and deduplicated', () => {
    expect(formatDependsOn(refs)).toBe('Namespace/shop,shop/Deployment.apps/db,shop/Service/db');
  });

  it('is read by the apply engine as the objects it names', () => {
    const item = (apiVersion: string, kind: string, name: string, namespace?: string, annotations?: Record<string, string>): StageItem => ({
      ref: { apiVersion, kind, name, namespace },
      namespaced: namespace !== undefined,
      object: { apiVersion, kind, metadata: { name, namespace, annotations } },
    });
    const items = [
      item('apps/v1', 'Deployment', 'db', 'shop'),
      item('v1', 'Service', 'db', 'shop'),
      item('v1', 'Namespace', 'shop'),
    ];
    const web = item('apps/v1', 'Deployment', 'web', 'shop', { 'capstan.dev/depends-on': formatDependsOn(refs) });
    expect(resolveDependsOn(web, [...items, web])).toHaveLength(3);
  });
});
