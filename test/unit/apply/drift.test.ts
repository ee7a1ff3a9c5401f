import { describe, expect, it } from 'vitest';
import { projectFields, provablyUnchanged, unifiedDiff } from '../../../src/apply/index.js';
import { deepEqual, normalizeForDiff } from '../../../src/apply/normalize.js';
import type { KubeObject } from '../../../src/k8s/index.js';

const desired: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }] }] } },
  },
};

const capstanFields = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:selector': {},
    'f:template': {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } },
    },
  },
};

function live(overrides: { replicas?: number; manager?: string; apiVersion?: string } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web', namespace: 'shop', uid: 'u1', resourceVersion: '42', generation: 3, creationTimestamp: 't',
      labels: { app: 'web' },
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      managedFields: [
        { manager: overrides.manager ?? 'capstan', operation: 'Apply', apiVersion: overrides.apiVersion ?? 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: capstanFields },
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status', fieldsV1: { 'f:status': {} } },
      ],
    },
    spec: {
      replicas: overrides.replicas ?? 2,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'sidecar', image: 'x' }, { name: 'app', image: 'nginx:1', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] }], restartPolicy: 'Always' },
      },
    },
    status: { replicas: 2 },
  };
}

describe('provablyUnchanged', () => {
  it('proves an object unchanged from the fields our manager owns, ignoring defaults and other managers', () => {
    expect(provablyUnchanged(desired, live(), 'capstan')).toBe(true);
  });

  it('answers false when a value we own differs, another manager applied, or the version differs', () => {
    expect(provablyUnchanged(desired, live({ replicas: 3 }), 'capstan')).toBe(false);
    expect(provablyUnchanged(desired, live({ manager: 'kubectl' }), 'capstan')).toBe(false);
    expect(provablyUnchanged(desired, live({ apiVersion: 'apps/v1beta1' }), 'capstan')).toBe(false);
  });

  it('answers false when the desired object adds or drops a field', () => {
    const more = structuredClone(desired);
    (more['spec'] as Record<string, unknown>)['minReadySeconds'] = 5;
    expect(provablyUnchanged(more, live(), 'capstan')).toBe(false);
    const less = structuredClone(desired);
    delete (less['spec'] as Record<string, unknown>)['replicas'];
    expect(provablyUnchanged(less, live(), 'capstan')).toBe(false);
  });
});

describe('projectFields', () => {
  it('selects associative list items by key and set items by value', () => {
    const obj = { list: [{ name: 'a', v: 1 }, { name: 'b', v: 2 }], set: ['x', 'y'] };
    expect(projectFields(obj, { 'f:list': { 'k:{"name":"b"}': { 'f:v': {} } }, 'f:set': { 'v:"y"': {} } })).toEqual({ list: [{ v: 2 }], set: ['y'] });
    expect(projectFields(obj, { 'f:list': { 'k:{"name":"c"}': {} } })).toBeUndefined();
  });
});

describe('normalizeForDiff', () => {
  it('drops server-populated metadata and status, keeps everything else', () => {
    const n = normalizeForDiff(live());
    expect(n.metadata).toEqual({ name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '1' } });
    expect(n['status']).toBeUndefined();
    expect((n['spec'] as Record<string, unknown>)['revisionHistoryLimit']).toBe(10);
  });

  it('deepEqual ignores key order, not list order', () => {
    expect(deepEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(deepEqual({ b: [2, 1] }, { b: [1, 2] })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
  });
});

describe('unifiedDiff', () => {
  it('shows the changed lines of the object as YAML, without server fields', () => {
    const before = live();
    const after = live({ replicas: 5 });
    after.metadata.resourceVersion = '43';
    const text = unifiedDiff({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, before, after);
    expect(text).toContain('--- live/Deployment/shop/web');
    expect(text).toContain('+++ merged/Deployment/shop/web');
    expect(text).toContain('-  replicas: 2');
    expect(text).toContain('+  replicas: 5');
    expect(text).not.toContain('resourceVersion');
  });
});

describe('Secret diffs', () => {
  const secret = (data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, data, ...extra });
  const ref = { apiVersion: 'v1', kind: 'Secret', name: 's', namespace: 'n' };

  it('masks every value and says which keys changed, as kubectl diff does', () => {
    const text = unifiedDiff(ref, secret({ same: 'c2FtZQ==', changed: 'b2xk', gone: 'Z29uZQ==' }), secret({ same: 'c2FtZQ==', changed: 'bmV3', added: 'YWRk' }));
    for (const value of ['c2FtZQ==', 'b2xk', 'bmV3', 'Z29uZQ==', 'YWRk']) expect(text).not.toContain(value);
    expect(text).toMatch(/-\s+changed: "\*\*\* \(before\)"/);
    expect(text).toMatch(/\+\s+changed: "\*\*\* \(after\)"/);
    expect(text).toMatch(/ {2}same: "\*\*\*"/);
    expect(text).toMatch(/-\s+gone: "\*\*\*"/);
    expect(text).toMatch(/\+\s+added: "\*\*\*"/);
  });

  it('masks stringData and the last-applied annotation of a new Secret', () => {
    const text = unifiedDiff(ref, undefined, secret({}, { stringData: { password: 'hunter2' }, metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"password":"hunter2"}}' } } }));
    expect(text).not.toContain('hunter2');
    expect(text).toMatch(/\+\s+password: "\*\*\*"/);
  });
});
