import { describe, expect, it } from 'vitest';
import { App, Chart, Testing } from 'cdk8s';
import { SpecValidationError } from '../../../src/constructs/index.js';
import { Queue } from './fixtures.js';

function kinds(chart: Chart): string[] {
  return Testing.synth(chart).map((o: { kind: string; metadata: { name: string; namespace?: string } }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

describe('custom resource construct', () => {
  it('writes the CRD first, the object, and one operator install for the namespace', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'queues', { namespace: 'team-a' });
    new Queue(chart, 'orders', { partitions: 4 });
    new Queue(chart, 'payments', { partitions: 2, retention: '1d' });
    const written = kinds(chart);
    expect(written).toEqual(expect.arrayContaining([
      'CustomResourceDefinition//queues.queue.test.capstan.dev',
      'Queue/team-a/orders',
      'Queue/team-a/payments',
      'ServiceAccount/team-a/queue-operator',
      'Role/team-a/queue-operator',
      'RoleBinding/team-a/queue-operator',
      'Deployment/team-a/queue-operator',
      'Service/team-a/queue-operator-metrics',
      'PodDisruptionBudget/team-a/queue-operator',
    ]));
    expect(written).toHaveLength(9);
    expect(written.indexOf('CustomResourceDefinition//queues.queue.test.capstan.dev')).toBeLessThan(written.indexOf('Queue/team-a/orders'));
  });

  it('installs one operator per namespace and one CRD per app, across charts', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'team-a' });
    const b = new Chart(app, 'b', { namespace: 'team-b' });
    const a2 = new Chart(app, 'a2', { namespace: 'team-a' });
    new Queue(a, 'q1', { partitions: 1 });
    new Queue(b, 'q2', { partitions: 1 });
    new Queue(a2, 'q3', { partitions: 1 });
    const all = [...kinds(a), ...kinds(b), ...kinds(a2)];
    expect(all.filter((k) => k.startsWith('CustomResourceDefinition/'))).toHaveLength(1);
    expect(all.filter((k) => k.startsWith('Deployment/')).sort()).toEqual(['Deployment/team-a/queue-operator', 'Deployment/team-b/queue-operator']);
    expect(kinds(a2)).toEqual(['Queue/team-a/q3']);
  });

  it('refuses a spec that breaks the schema, naming the construct path and the fields', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    let error: unknown;
    try {
      new Queue(chart, 'orders', { partitions: 40, consumers: [{ name: '', weight: 1 }] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SpecValidationError);
    const e = error as SpecValidationError;
    expect(e.constructPath).toBe('shop/orders');
    expect(e.issues.map((i) => i.field).sort()).toEqual(['spec.consumers[0].name', 'spec.partitions']);
    expect(e.message).toContain('Queue at construct path "shop/orders" has an invalid spec');
    expect(e.message).toContain('spec.partitions: Expected integer to be less or equal to 16 (got 40)');
  });

  it('refuses an invalid object name and a missing namespace, naming the construct', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    expect(() => new Queue(chart, 'Orders', { partitions: 1 })).toThrow(/construct "shop\/Orders": name: construct id "Orders" is used as the object name/);
    const bare = new Chart(Testing.app(), 'bare');
    expect(() => new Queue(bare, 'orders', { partitions: 1 })).toThrow(/construct "bare\/orders": namespace: .*give the chart or the resource a namespace/);
  });

  it('uses the image from the app context when the operator names none', () => {
    const app = new App({ outdir: Testing.app().outdir, });
    app.node.setContext('capstan.dev/image', 'registry.local/capstan:dev');
    const chart = new Chart(app, 'c', { namespace: 'n' });
    new Queue(chart, 'q', { partitions: 1 });
    const deployment = Testing.synth(chart).find((o: { kind: string }) => o.kind === 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.local/capstan:dev');
    expect(container.command).toEqual(['capstan']);
    expect(container.args).toEqual(['operator', 'queue']);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.env).toContainEqual({ name: 'CAPSTAN_LEADER_ELECTION', value: 'true' });
  });
});
