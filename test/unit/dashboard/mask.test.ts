import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { foldManagedFields, maskForDisplay } from '../../../src/dashboard/mask.js';
import { slimObject } from '../../../src/dashboard/slim.js';
import type { KubeObject } from '../../../src/k8s/index.js';

const value = 's3cr3t-value';
const b64 = Buffer.from(value).toString('base64');
const secret: KubeObject = {
  apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
  metadata: {
    name: 'db', namespace: 'ns', uid: 'u1',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { password: b64 } }), keep: 'me' },
    managedFields: [{ manager: 'capstan', operation: 'Apply', time: '2026-01-01T00:00:00Z', fieldsV1: { 'f:data': { 'f:password': {} } } }],
  },
  data: { password: b64 },
  stringData: { token: value },
};

describe('maskForDisplay', () => {
  it('masks every value of a Secret, its last-applied annotation, and leaves managedFields out', () => {
    const shown = maskForDisplay(secret);
    const text = stringify(shown);
    expect(text).not.toContain(value);
    expect(text).not.toContain(b64);
    expect(shown['data']).toEqual({ password: '***' });
    expect(shown['stringData']).toEqual({ token: '***' });
    expect(shown.metadata.annotations).toEqual({ 'kubectl.kubernetes.io/last-applied-configuration': '***', keep: 'me' });
    expect(shown.metadata.managedFields).toBeUndefined();
    expect(secret['data']).toEqual({ password: b64 });
  });

  it('shows a ConfigMap as it is, without managedFields', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', managedFields: [{}] }, data: { a: 'b' } };
    expect(maskForDisplay(cm)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
  });

  it('folds managedFields to manager, operation and time', () => {
    expect(foldManagedFields(secret)).toEqual([{ manager: 'capstan', operation: 'Apply', time: '2026-01-01T00:00:00Z', subresource: null }]);
  });
});

describe('slimObject', () => {
  it('keeps no value of a Secret', () => {
    expect(JSON.stringify(slimObject(secret))).not.toContain(b64);
    expect(JSON.stringify(slimObject(secret))).not.toContain(value);
  });

  it('keeps identity, owners, the spec fields health reads and the status of others', () => {
    const dep: KubeObject = {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns', uid: 'u', generation: 2, labels: { a: 'b' }, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'o' }] },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
      status: { observedGeneration: 2, readyReplicas: 2 },
    };
    expect(slimObject(dep)).toEqual({
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns', uid: 'u', generation: 2, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'o' }], resourceVersion: undefined, creationTimestamp: undefined, deletionTimestamp: undefined },
      spec: { replicas: 2 },
      status: { observedGeneration: 2, readyReplicas: 2 },
    });
  });
});
