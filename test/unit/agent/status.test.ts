import { describe, expect, it } from 'vitest';
import { ApplyError, ManifestError, WaitError } from '../../../src/apply/index.js';
import { classifyFailure, groupInventory, recordHistory, ungroupInventory, type HistoryEntry } from '../../../src/agent/index.js';
import { foreignWriters, syncOfMark } from '../../../src/agent/drift.js';
import { CredentialsError } from '../../../src/agent/git/auth.js';
import { UnsafePathError } from '../../../src/agent/git/paths.js';
import { GitError } from '../../../src/agent/git/run.js';
import { RevisionNotFoundError } from '../../../src/agent/git/source.js';
import { EmptyRevisionError } from '../../../src/agent/render.js';
import { ApiError } from '../../../src/k8s/index.js';
import { DependencyNotReadyError } from '../../../src/agent/conditions.js';
import { InvalidRangeError } from '../../../src/agent/git/tags.js';
import { VerificationError } from '../../../src/agent/git/verify-error.js';

const entry = (revision: string): HistoryEntry => ({ revision, time: '2026-01-01T00:00:00Z', created: 1, configured: 0, deleted: 0 });
const cm = (name: string, namespace = 'shop') => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

describe('Sync history', () => {
  it('puts the newest first and keeps ten', () => {
    let history: HistoryEntry[] = [];
    for (let i = 0; i < 12; i++) history = recordHistory(history, entry(`r${i}`));
    expect(history.map((h) => h.revision)).toEqual(['r11', 'r10', 'r9', 'r8', 'r7', 'r6', 'r5', 'r4', 'r3', 'r2']);
  });

  it('adds nothing when the newest revision is applied again (a drift repair)', () => {
    const history = recordHistory([entry('r2'), entry('r1')], { ...entry('r2'), configured: 3 });
    expect(history).toEqual([entry('r2'), entry('r1')]);
  });
});

describe('status inventory', () => {
  it('groups by apiVersion, kind and namespace with sorted names, and reads back the same objects', () => {
    const objects = [cm('b'), cm('a'), { apiVersion: 'v1', kind: 'Namespace', name: 'shop' }, cm('a', 'other'), cm('a')];
    const groups = groupInventory(objects);
    expect(groups).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', names: ['a'] },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', names: ['a', 'b'] },
      { apiVersion: 'v1', kind: 'Namespace', names: ['shop'] },
    ]);
    expect(ungroupInventory(groups)).toEqual([cm('a', 'other'), cm('a'), cm('b'), { apiVersion: 'v1', kind: 'Namespace', namespace: undefined, name: 'shop' }]);
  });
});

describe('failure reasons', () => {
  const source = { file: 'dist/app.yaml', index: 1, line: 7 };
  it.each([
    ['a git failure', new GitError('git ls-remote failed'), 'FetchFailed', false],
    ['a missing branch', new RevisionNotFoundError('the remote has no branch main'), 'FetchFailed', false],
    ['a missing credentials Secret', new CredentialsError('no Secret'), 'FetchFailed', false],
    ['an unsigned commit', new VerificationError('commit 0123456789ab is not signed'), 'VerificationFailed', true],
    ['a dependency not Ready', new DependencyNotReadyError('waiting for Sync shop/db'), 'DependencyNotReady', false],
    ['a semver range that is none', new InvalidRangeError('spec.ref.semver "x" is not a semver range'), 'ValidationFailed', true],
    ['a YAML error', new ManifestError(source, 'invalid YAML at line 8'), 'ValidationFailed', true],
    ['a symlink out of the repository', new UnsafePathError('symlink dist/a.yaml points at /etc/passwd'), 'ValidationFailed', true],
    ['an empty path', new EmptyRevisionError('dist', 'a'.repeat(40)), 'ValidationFailed', true],
    ['a dry-run refusal', new ApplyError('1 object(s) failed validation', [{ object: 'Deployment/shop/web (dist/app.yaml, document 1, line 7)', message: 'spec.selector: Required', ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' } }], false), 'ValidationFailed', true],
    ['a health timeout', new ApplyError('waiting for health', [], true, { cause: new WaitError('timed out', { entries: [] }) }), 'HealthCheckFailed', false],
    ['a failed prune', new ApplyError('1 object(s) could not be pruned', [{ object: 'ConfigMap/shop/old', message: 'forbidden', ref: cm('old') }], true), 'PruneFailed', false],
    ['a dry-run the ServiceAccount may not make', new ApplyError('1 object(s) failed validation', [{ object: 'ConfigMap/shop/a', message: 'configmaps "a" is forbidden', ref: cm('a'), reason: 'Forbidden' }], false), 'Forbidden', false],
    ['a read the agent may not make', new ApiError('GET', '/api/v1/namespaces/shop/configmaps/a', 403, undefined, 'forbidden'), 'Forbidden', false],
    ['a failed write of a desired object', new ApplyError('apply failed', [{ object: 'ConfigMap/shop/a', message: 'forbidden', ref: cm('a') }], true), 'ApplyFailed', false],
  ])('reads %s as %s', (_what, err, reason, stalled) => {
    const failure = classifyFailure(err, [cm('a')]);
    expect(failure.reason).toBe(reason);
    expect(failure.stalled).toBe(stalled);
  });

  it('names the file and object in the message, and redacts credentials', () => {
    const err = new ApplyError('1 object(s) failed validation', [{ object: 'Deployment/shop/web (dist/app.yaml, document 1, line 7)', message: 'denied for https://u:hunter22@h/x.git' }], false);
    const failure = classifyFailure(err, [], ['hunter22']);
    expect(failure.message).toContain('Deployment/shop/web (dist/app.yaml, document 1, line 7)');
    expect(failure.message).not.toContain('hunter22');
  });
});

describe('drift detection', () => {
  const obj = (managedFields: unknown[]) => ({ metadata: { name: 'a', managedFields } });
  it('sees a write by another manager, and ignores the agent\'s own applies and status writers', () => {
    const ours = { manager: 'capstan', operation: 'Apply', time: '2026-01-01T00:00:01Z' };
    const status = { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', time: '2026-01-01T00:00:02Z' };
    const edit = { manager: 'kubectl-edit', operation: 'Update', time: '2026-01-01T00:00:03Z' };
    expect(foreignWriters(obj([ours, status]), 'capstan')).toBe('');
    expect(foreignWriters(obj([{ ...ours, time: 'later' }, { ...status, time: 'later' }]), 'capstan')).toBe('');
    expect(foreignWriters(obj([ours, edit]), 'capstan')).toBe('kubectl-edit|Update|2026-01-01T00:00:03Z');
  });

  it('maps only Sync marks to Syncs', () => {
    expect(syncOfMark('Sync/shop/app')).toEqual({ namespace: 'shop', name: 'app' });
    expect(syncOfMark('ConfigMap/shop/app')).toBeUndefined();
    expect(syncOfMark(undefined)).toBeUndefined();
  });
});
