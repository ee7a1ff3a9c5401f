import { describe, expect, it } from 'vitest';
import { formatSelector, matchesSelector, parseSelector, Store } from '../../../src/controller/index.js';
import { cm } from './fake-listwatch.js';

describe('label selectors', () => {
  it('parse every operator and match', () => {
    const reqs = parseSelector('app=web, tier!=db, env in (prod,staging), zone notin (x), managed, !legacy');
    expect(reqs.map((r) => r.operator)).toEqual(['In', 'NotIn', 'In', 'NotIn', 'Exists', 'DoesNotExist']);
    const good = { app: 'web', tier: 'fe', env: 'prod', zone: 'y', managed: '' };
    expect(matchesSelector(reqs, good)).toBe(true);
    expect(matchesSelector(reqs, { ...good, env: 'dev' })).toBe(false);
    expect(matchesSelector(reqs, { ...good, legacy: 'true' })).toBe(false);
    expect(matchesSelector(reqs, { ...good, tier: 'db' })).toBe(false);
    expect(formatSelector(reqs)).toBe('app=web,tier!=db,env in (prod,staging),zone!=x,managed,!legacy');
  });

  it('reads matchLabels and matchExpressions, and rejects nonsense with the term at fault', () => {
    const reqs = parseSelector({ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'Exists' }] });
    expect(matchesSelector(reqs, { a: 'b', c: '1' })).toBe(true);
    expect(matchesSelector(reqs, { a: 'b' })).toBe(false);
    expect(() => parseSelector('a in b')).toThrow(/cannot parse "a in b"/);
  });
});

describe('Store', () => {
  it('indexes by namespace and label, and keeps indexes right across updates and removals', () => {
    const s = new Store();
    s.upsert(cm('a', '1', { app: 'web' }, 'ns1'));
    s.upsert(cm('b', '1', { app: 'db' }, 'ns1'));
    s.upsert(cm('c', '1', { app: 'web' }, 'ns2'));
    expect(s.list({ namespace: 'ns1' }).map((o) => o.metadata.name).sort()).toEqual(['a', 'b']);
    expect(s.list({ labelSelector: 'app=web' }).map((o) => o.metadata.name).sort()).toEqual(['a', 'c']);
    expect(s.list({ namespace: 'ns2', labelSelector: 'app=web' }).map((o) => o.metadata.name)).toEqual(['c']);
    expect(s.list({ labelSelector: 'app in (web,db),app!=db' }).map((o) => o.metadata.name).sort()).toEqual(['a', 'c']);
    s.upsert(cm('a', '2', { app: 'db' }, 'ns1'));
    expect(s.byIndex('label', 'app=web').map((o) => o.metadata.name)).toEqual(['c']);
    s.remove('ns2/c');
    expect(s.byIndex('label', 'app=web')).toEqual([]);
    expect(s.list({ namespace: 'ns2' })).toEqual([]);
    expect(s.size).toBe(2);
  });

  it('supports custom indexes over existing objects', () => {
    const s = new Store();
    s.upsert(cm('a', '1', {}, 'ns1'));
    s.upsert(cm('b', '1', {}, 'ns2'));
    s.addIndex('first-letter', (o) => [o.metadata.name!.slice(0, 1)]);
    expect(s.byIndex('first-letter', 'b').map((o) => o.metadata.namespace)).toEqual(['ns2']);
    expect(() => s.byIndex('nope', 'x')).toThrow(/no index "nope"/);
    expect(s.getByName('ns1', 'a')?.metadata.name).toBe('a');
  });
});
