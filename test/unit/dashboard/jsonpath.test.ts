import { describe, expect, it } from 'vitest';
import { evaluateColumn } from '../../../src/dashboard/jsonpath.js';

const obj = {
  spec: { size: 3, items: [{ name: 'a' }, { name: 'b' }] },
  status: { phase: 'Running', ready: true, conditions: [{ type: 'Ready', status: 'True' }, { type: 'Stalled', status: 'False' }], quorum: { leader: 2 } },
};

describe('evaluateColumn', () => {
  it.each([
    ['.spec.size', '3'],
    ['.status.phase', 'Running'],
    ['.status.ready', 'true'],
    ['.status.quorum.leader', '2'],
    ['.spec.items[0].name', 'a'],
    ['.spec.items[-1].name', 'b'],
    ['.spec.items[*].name', 'a,b'],
    ['.status.conditions[?(@.type=="Ready")].status', 'True'],
    [".status.conditions[?(@.type=='Stalled')].status", 'False'],
    ['.status.missing', ''],
    ['{.status.phase}', 'Running'],
  ])('%s → %s', (path, expected) => {
    expect(evaluateColumn(obj, path)).toBe(expected);
  });

  it('refuses JSONPath it does not read, naming the path', () => {
    expect(() => evaluateColumn(obj, '.spec..name')).toThrow(/\.spec\.\.name/);
  });
});
