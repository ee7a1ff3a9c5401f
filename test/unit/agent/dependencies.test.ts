import { describe, expect, it } from 'vitest';
import { DependencyTracker, dependencyNotReady } from '../../../src/agent/dependencies.js';
import type { KubeObject } from '../../../src/k8s/index.js';

const sync = (name: string, generation: number, observed: number | undefined, ready: string | undefined, namespace = 'apps'): KubeObject => ({
  apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync',
  metadata: { name, namespace, generation },
  status: { ...(observed !== undefined ? { observedGeneration: observed } : {}), conditions: ready ? [{ type: 'Ready', status: ready, observedGeneration: observed }] : [] },
} as KubeObject);

describe('whether a dependency is Ready', () => {
  it.each([
    ['missing', undefined, /Sync apps\/db, which does not exist/],
    ['not reconciled at its generation', sync('db', 3, 2, 'True'), /Sync apps\/db to reconcile its generation 3/],
    ['not Ready', sync('db', 3, 3, 'False'), /Sync apps\/db to be Ready \(Ready is False\)/],
    ['without a Ready condition', sync('db', 1, 1, undefined), /Ready is not reported/],
  ])('waits when it is %s, naming it', (_what, obj, message) => {
    expect(dependencyNotReady('apps', 'db', obj)).toMatch(message);
  });

  it('passes when Ready at its current generation', () => {
    expect(dependencyNotReady('apps', 'db', sync('db', 3, 3, 'True'))).toBeUndefined();
  });
});

describe('the dependency tracker', () => {
  it('requeues the waiting Syncs when a dependency turns Ready or not, and not on its other status writes', () => {
    const tracker = new DependencyTracker();
    tracker.declare('apps', 'web', [{ name: 'db' }, { name: 'queue', namespace: 'infra' }]);
    tracker.declare('apps', 'api', [{ name: 'db' }]);
    expect(tracker.changed(sync('db', 1, 1, 'False'))).toEqual([{ namespace: 'apps', name: 'web' }, { namespace: 'apps', name: 'api' }]);
    expect(tracker.changed(sync('db', 1, 1, 'False'))).toEqual([]);
    expect(tracker.changed(sync('db', 1, 1, 'True'))).toEqual([{ namespace: 'apps', name: 'web' }, { namespace: 'apps', name: 'api' }]);
    expect(tracker.changed(sync('db', 1, 1, 'True'))).toEqual([]);
    expect(tracker.changed(sync('queue', 1, 1, 'True', 'infra'))).toEqual([{ namespace: 'apps', name: 'web' }]);
    expect(tracker.changed(sync('other', 1, 1, 'True'))).toEqual([]);
  });

  it('forgets what a Sync no longer declares', () => {
    const tracker = new DependencyTracker();
    tracker.declare('apps', 'web', [{ name: 'db' }]);
    tracker.declare('apps', 'web', []);
    expect(tracker.changed(sync('db', 1, 1, 'True'))).toEqual([]);
  });

  it('forgets a deleted Sync, so one of the same name starts afresh', () => {
    const tracker = new DependencyTracker();
    tracker.declare('apps', 'web', [{ name: 'db' }]);
    expect(tracker.changed(sync('db', 1, 1, 'True'))).toEqual([{ namespace: 'apps', name: 'web' }]);
    tracker.forget('apps', 'db');
    expect(tracker.changed(sync('db', 1, 1, 'True'))).toEqual([{ namespace: 'apps', name: 'web' }]);
    tracker.forget('apps', 'web');
    expect(tracker.changed(sync('db', 1, 1, 'False'))).toEqual([]);
  });
});
