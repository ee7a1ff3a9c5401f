import { describe, expect, it } from 'vitest';
import { fieldConflicts, immutableFields, onlyImperativeConflicts } from '../../../src/apply/conflicts.js';
import { isDuration, parseDuration } from '../../../src/cli/options.js';
import { ApiError, type KubeObject } from '../../../src/k8s/index.js';

const conflict = new ApiError('PATCH', '/api/v1/namespaces/n/configmaps/a', 409, {
  kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409,
  message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.key',
  details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using v1', field: '.data.key' }] },
}, '');

describe('conflicts', () => {
  it('reads fields and managers from a server-side apply conflict', () => {
    expect(fieldConflicts(conflict)).toEqual([{ field: '.data.key', manager: 'kubectl-edit' }]);
    expect(fieldConflicts(new Error('x'))).toEqual([]);
  });

  it('takes back fields only from managers that never applied', () => {
    const live = (operation: 'Apply' | 'Update'): KubeObject => ({ metadata: { name: 'a', managedFields: [{ manager: 'kubectl-edit', operation }] } });
    expect(onlyImperativeConflicts(fieldConflicts(conflict), live('Update'))).toBe(true);
    expect(onlyImperativeConflicts(fieldConflicts(conflict), live('Apply'))).toBe(false);
  });

  it('recognises immutable-field errors', () => {
    const err = new ApiError('PATCH', '/apis/batch/v1/namespaces/n/jobs/j', 422, {
      kind: 'Status', reason: 'Invalid', code: 422, message: 'Job.batch "j" is invalid: spec.template: Invalid value: ...: field is immutable',
      details: { causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: ...: field is immutable', field: 'spec.template' }] },
    }, '');
    expect(immutableFields(err)).toEqual(['spec.template']);
    expect(immutableFields(conflict)).toBeUndefined();
  });
});

describe('parseDuration', () => {
  it('reads kubectl-style durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(isDuration('1m30s')).toBe(true);
    expect(isDuration('dist/')).toBe(false);
  });
});
