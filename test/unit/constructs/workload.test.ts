import { describe, expect, it } from 'vitest';
import { Chart, Testing } from 'cdk8s';
import { Workload } from '../../../src/constructs/index.js';

function synth(build: (chart: Chart) => void): any[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
  build(chart);
  return Testing.synth(chart);
}

describe('Workload', () => {
  it('is a Deployment and a Service named like the workload, with probes from the healthcheck', () => {
    const objects = synth((c) => new Workload(c, 'api', {
      image: 'shop/api:1.2',
      replicas: 3,
      ports: [8080, { port: 9090, name: 'metrics' }],
      env: { B: 'two', A: { secret: 'api-db', key: 'password' } },
      healthcheck: { http: { path: '/health' }, interval: 5, retries: 2 },
    }));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/api', 'Service/api']);
    const [deployment, service] = objects;
    expect(deployment.spec.replicas).toBe(3);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: 'A', valueFrom: { secretKeyRef: { name: 'api-db', key: 'password' } } },
      { name: 'B', value: 'two' },
    ]);
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/health', port: 8080 }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 2 });
    expect(container.livenessProbe).toEqual(container.readinessProbe);
    expect(container.startupProbe).toBeUndefined();
    expect(service.spec.ports).toEqual([
      { name: 'port-8080', port: 8080, targetPort: 'port-8080', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it('becomes a StatefulSet with claim templates when it has volumes, and mounts config files from a ConfigMap', () => {
    const objects = synth((c) => new Workload(c, 'db', {
      image: 'postgres:16',
      volumes: [{ name: 'data', mountPath: '/var/lib/postgresql/data', size: '5Gi', storageClassName: 'fast' }],
      configFiles: { '/etc/postgresql/postgresql.conf': 'max_connections = 50\n' },
      healthcheck: { command: ['pg_isready'], startPeriod: 30 },
    }));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/db-config', 'StatefulSet/db']);
    const [configMap, sts] = objects;
    expect(configMap.data).toEqual({ 'etc_postgresql_postgresql.conf': 'max_connections = 50\n' });
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'fast' });
    const pod = sts.spec.template;
    expect(pod.metadata.annotations['capstan.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(pod.spec.volumes).toEqual([{ name: 'config-files', configMap: { name: 'db-config' } }]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([
      { name: 'data', mountPath: '/var/lib/postgresql/data' },
      { name: 'config-files', mountPath: '/etc/postgresql/postgresql.conf', subPath: 'etc_postgresql_postgresql.conf', readOnly: true },
    ]);
    expect(pod.spec.containers[0].startupProbe).toEqual({ exec: { command: ['pg_isready'] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
  });

  it('turns dependsOn into the apply-ordering annotation and orders the file', () => {
    const objects = synth((c) => {
      const db = new Workload(c, 'db', { image: 'postgres:16', volumes: [{ name: 'data', mountPath: '/data' }] });
      const cache = new Workload(c, 'cache', { image: 'redis:7', ports: [6379] });
      new Workload(c, 'api', { image: 'api:1', dependsOn: [db, cache, { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'api-db' }] });
    });
    const api = objects.find((o) => o.metadata.name === 'api' && o.kind === 'Deployment');
    expect(api.metadata.annotations['capstan.dev/depends-on']).toBe('shop/Deployment.apps/cache,shop/Secret/api-db,shop/StatefulSet.apps/db');
    const order = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(order.indexOf('Deployment/api')).toBeGreaterThan(order.indexOf('StatefulSet/db'));
    expect(order.indexOf('Deployment/api')).toBeGreaterThan(order.indexOf('Deployment/cache'));
  });

  it('changes the config hash when a config file changes, so pods roll', () => {
    const hash = (content: string) => synth((c) => new Workload(c, 'w', { image: 'x', configFiles: { '/etc/x.conf': content } }))
      .find((o) => o.kind === 'Deployment').spec.template.metadata.annotations['capstan.dev/config-hash'];
    expect(hash('a')).not.toBe(hash('b'));
    expect(hash('a')).toBe(hash('a'));
  });

  it('names the construct and field of wrong props', () => {
    const chart = new Chart(Testing.app(), 'c');
    expect(() => new Workload(chart, 'a', { image: 'x', healthcheck: { tcp: 1, command: ['true'] } })).toThrow(/construct "c\/a": healthcheck: give exactly one of http, tcp or command/);
    expect(() => new Workload(chart, 'b', { image: 'x', ports: [70000] })).toThrow(/construct "c\/b": ports\[0\]\.port: must be 1-65535/);
    expect(() => new Workload(chart, 'c', { image: 'x', configFiles: { 'relative.conf': '' } })).toThrow(/construct "c\/c": configFiles\["relative.conf"\]/);
    expect(() => new Workload(chart, 'd', { image: 'x', healthcheck: { http: { path: '/' } } })).toThrow(/healthcheck\.http\.port: give a port/);
    expect(() => new Workload(chart, 'E', { image: 'x' })).toThrow(/construct "c\/E": name/);
  });
});
