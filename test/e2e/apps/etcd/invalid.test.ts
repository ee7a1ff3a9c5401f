import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/k8s/index.js';
import { eventually } from '../../harness.js';
import { clustersRef, type EtcdClusterObject, memberPods, useEtcdOperator } from './helpers.js';

const cluster = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name }, spec });

/** Invalid EtcdClusters: refused by the CRD schema, or Stalled by the operator, and never a pod. */
describe('invalid EtcdCluster specs', () => {
  const { ns, client } = useEtcdOperator('etcd-invalid');

  it.each([
    ['size 0', { size: 0 }, /spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/],
    ['size 10', { size: 10 }, /spec\.size: Invalid value: 10: spec\.size in body should be less than or equal to 9/],
    ['a version that is no version', { version: 'latest' }, /spec\.version in body should match/],
  ])('refuses %s at the API server, naming the field, and creates nothing', async (_, spec, message) => {
    const err = await client.create(clustersRef(ns.name), cluster('bad', spec)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(422);
    expect((err as Error).message).toMatch(message);
    expect((await client.list(clustersRef(ns.name))).items).toEqual([]);
  });

  it('stalls an unknown version with a message naming the field and the releases it runs, and starts no pod', async () => {
    await client.create(clustersRef(ns.name), cluster('unknown', { size: 3, version: '3.6.99' }));
    const stalled = await eventually('the unknown version to be Stalled', async () => {
      const c = await client.get<EtcdClusterObject>(clustersRef(ns.name, 'unknown'));
      return c?.status?.conditions?.find((x) => x.type === 'Stalled' && x.status === 'True');
    }, 30_000);
    expect(stalled.reason).toBe('InvalidSpec');
    expect(stalled.message).toMatch(/^spec\.version: 3\.6\.99 is not an etcd release this operator runs; use one of 3\.6\.13, .*3\.7\.3; no member was created$/);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await memberPods(client, ns.name, 'unknown')).size).toBe(0);
    expect((await client.list({ group: '', version: 'v1', resource: 'services', namespace: ns.name })).items).toEqual([]);
  });

  it.each([
    ['certificates too short-lived to renew', 'short', { tls: { certificateDuration: '30s' } }, /^spec\.tls\.certificateDuration: "30s" is shorter than 1m; .*; no member was created$/],
    ['a backup schedule that is no cron expression', 'cron', { backup: { schedule: '61 * * * *', claimName: 'snaps' } }, /^spec\.backup\.schedule: minute "61" is outside 0-59; no member was created$/],
    ['TLS from Secrets that do not exist', 'nosecret', { tls: { secrets: { server: 'srv', peer: 'peer', client: 'cli' } } }, /^spec\.tls\.secrets\.server: Secret [a-z0-9-]+\/srv does not exist; create it with ca\.crt, tls\.crt and tls\.key; no member was created$/],
  ])('stalls %s with a message naming the field, and starts no pod', async (_, name, spec, message) => {
    await client.create(clustersRef(ns.name), cluster(name, { size: 1, version: '3.6.16', ...spec }));
    const stalled = await eventually(`${name} to be Stalled`, async () => {
      const c = await client.get<EtcdClusterObject>(clustersRef(ns.name, name));
      return c?.status?.conditions?.find((x) => x.type === 'Stalled' && x.status === 'True');
    }, 30_000);
    expect(stalled.message).toMatch(message);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await memberPods(client, ns.name, name)).size).toBe(0);
    expect((await client.list({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, { labelSelector: `app.kubernetes.io/instance=${name}` })).items).toEqual([]);
    await client.delete(clustersRef(ns.name, name));
  });

  it('accepts an even size with a warning condition', async () => {
    await client.create(clustersRef(ns.name), cluster('even', { size: 2, version: '3.7.3' }));
    const warning = await eventually('the EvenSize condition', async () => {
      const c = await client.get<EtcdClusterObject>(clustersRef(ns.name, 'even'));
      return c?.status?.conditions?.find((x) => x.type === 'EvenSize' && x.status === 'True');
    }, 30_000);
    expect(warning.message).toMatch(/2 members tolerate as many failures as 1/);
    await client.delete(clustersRef(ns.name, 'even'));
  });
});
