import { describe, expect, it } from 'vitest';
import { formatDependsOn, parseDependsOn } from '../../../src/constructs/schema/index.js';

describe('depends-on annotation', () => {
  it('round-trips core, grouped and cluster-scoped references, sorted and deduplicated', () => {
    const refs = [
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'db' },
      { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'db' },
      { apiVersion: 'v1', kind: 'Namespace', name: 'shop' },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'db' },
    ];
    const value = formatDependsOn(refs);
    expect(value).toBe('apps/v1/Deployment/shop/db,v1/Namespace//shop,v1/Service/shop/db');
    expect(parseDependsOn(value)).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'db' },
      { apiVersion: 'v1', kind: 'Namespace', namespace: undefined, name: 'shop' },
      { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'db' },
    ]);
  });

  it('names a malformed entry', () => {
    // A grouped reference without its namespace slot would read as apiVersion "apps": refused.
    expect(() => parseDependsOn('apps/v1/Deployment/db')).toThrow(/entry "apps\/v1\/Deployment\/db"/);
    expect(() => parseDependsOn('v1/Service/shop/')).toThrow(/valid apiVersion, kind and name/);
    expect(() => parseDependsOn('Deployment/db')).toThrow(/entry "Deployment\/db" must be apiVersion\/Kind\/namespace\/name/);
  });
});
