import { describe, expect, it } from 'vitest';
import { resourceOfPath, RuntimeMetrics } from '../../../src/controller/index.js';

describe('rest_client_requests_total', () => {
  it.each([
    ['/apis/coordination.k8s.io/v1/namespaces/capstan-system/leases/capstan-agent-leader', 'leases'],
    ['/api/v1/namespaces/shop/configmaps', 'configmaps'],
    ['/api/v1/namespaces/shop/secrets/git?resourceVersion=0', 'secrets'],
    ['/apis/capstan.dev/v1alpha1/namespaces/shop/syncs/app/status', 'syncs/status'],
    ['/api/v1/namespaces/shop', 'namespaces'],
    ['/api/v1/namespaces/shop/status', 'namespaces/status'],
    ['/apis/apiextensions.k8s.io/v1/customresourcedefinitions/syncs.capstan.dev', 'customresourcedefinitions'],
    ['/apis/apps/v1', 'discovery'],
    ['/version', 'discovery'],
  ])('labels %s as %s', (path, resource) => {
    expect(resourceOfPath(path)).toBe(resource);
  });

  it('counts each request by method and resource, and watches as WATCH', async () => {
    const metrics = new RuntimeMetrics({ processMetrics: false });
    metrics.requests.record('PUT', '/apis/coordination.k8s.io/v1/namespaces/x/leases/l', false);
    metrics.requests.record('GET', '/api/v1/namespaces/x/configmaps?watch=true', true);
    metrics.requests.record('GET', '/api/v1/namespaces/x/configmaps?watch=true', true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('rest_client_requests_total{method="PUT",resource="leases"} 1');
    expect(text).toContain('rest_client_requests_total{method="WATCH",resource="configmaps"} 2');
  });
});
