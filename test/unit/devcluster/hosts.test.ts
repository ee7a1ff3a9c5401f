import { describe, expect, it } from 'vitest';
import { renderHosts } from '../../../src/devcluster/node/hosts.js';
import type { Pod, Service } from '../../../src/devcluster/node/types.js';

const ready = [{ type: 'Ready', status: 'True' as const }];
const member = (i: number, isReady: boolean): Pod => ({
  metadata: { name: `etcd-${i}`, namespace: 'db', labels: { app: 'etcd' } },
  spec: { hostname: `etcd-${i}`, subdomain: 'etcd', containers: [] },
  status: { podIP: `10.200.1.${i + 2}`, conditions: isReady ? ready : [] },
});
const headless = (publishNotReady: boolean): Service => ({ metadata: { name: 'etcd', namespace: 'db' }, spec: { clusterIP: 'None', selector: { app: 'etcd' }, publishNotReadyAddresses: publishNotReady } });

describe('pod hosts file', () => {
  it('names the pod itself and the API server', () => {
    const text = renderHosts(member(0, false), [], [], '10.200.0.1');
    expect(text).toContain('10.200.1.2\tetcd-0.etcd.db.svc.cluster.local etcd-0.etcd.db.svc etcd-0.etcd.db etcd-0.etcd etcd-0');
    expect(text).toContain('10.200.0.1\thost.capstan.internal kubernetes.default.svc.cluster.local');
  });

  it('resolves hostname.subdomain of peers only while a headless Service publishes them', () => {
    const pods = [member(0, true), member(1, false)];
    const strict = renderHosts(pods[0]!, pods, [headless(false)], '10.200.0.1');
    expect(strict).not.toContain('10.200.1.3\tetcd-1.etcd');
    const published = renderHosts(pods[0]!, pods, [headless(true)], '10.200.0.1');
    expect(published).toContain('10.200.1.3\tetcd-1.etcd.db.svc.cluster.local etcd-1.etcd.db.svc etcd-1.etcd.db etcd-1.etcd');
    expect(renderHosts(pods[0]!, pods, [], '10.200.0.1')).not.toContain('etcd-1');
  });

  it('gives short names only within the pod\'s own namespace', () => {
    const other: Pod = { ...member(5, true), metadata: { ...member(5, true).metadata, namespace: 'web' } };
    const text = renderHosts(other, [member(0, true)], [headless(false)], '10.200.0.1');
    expect(text).toContain('10.200.1.2\tetcd.db.svc.cluster.local etcd.db.svc etcd.db\n');
  });

  it('resolves a ClusterIP Service to one ready pod behind it', () => {
    const svc: Service = { metadata: { name: 'client', namespace: 'db' }, spec: { clusterIP: '10.96.0.20', selector: { app: 'etcd' } } };
    const text = renderHosts(member(0, true), [member(1, false), member(2, true)], [svc], '10.200.0.1');
    expect(text).toContain('10.200.1.4\tclient.db.svc.cluster.local');
    expect(text).not.toContain('10.200.1.3\tclient');
  });
});
