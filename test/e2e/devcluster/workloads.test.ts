import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/k8s/index.js';
import { eventually, useNamespace } from '../harness.js';

const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };
const statefulsets = { group: 'apps', version: 'v1', resource: 'statefulsets' };
const replicasets = { group: 'apps', version: 'v1', resource: 'replicasets' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const claims = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const configmaps = { group: '', version: 'v1', resource: 'configmaps' };
const namespaces = { group: '', version: 'v1', resource: 'namespaces' };

type Status = KubeObject & { status?: { conditions?: { type: string; status: string }[]; readyReplicas?: number; phase?: string } };

const pauseTemplate = (app: string) => ({
  metadata: { labels: { app } },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
});

describe('workloads on the local cluster', () => {
  const ns = useNamespace('workloads');

  it('brings a Deployment to Available with pods running on local nodes', async () => {
    const { client, name: namespace } = ns;
    await client.create({ ...deployments, namespace }, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: pauseTemplate('web') },
    });
    const available = await eventually('Deployment web to be Available', async () => {
      const d = await client.get<Status>({ ...deployments, namespace, name: 'web' });
      return d?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') && d;
    });
    expect(available.status?.readyReplicas).toBe(2);
    const list = await client.list<KubeObject & { spec: { nodeName?: string }; status: { podIP?: string } }>({ ...pods, namespace }, { labelSelector: 'app=web' });
    expect(list.items.every((p) => p.spec.nodeName?.startsWith('capstan-node-'))).toBe(true);
    const ips = list.items.map((p) => p.status.podIP);
    expect(new Set(ips).size).toBe(2);
  });

  it('binds volumeClaimTemplates and makes a StatefulSet Ready', async () => {
    const { client, name: namespace } = ns;
    await client.create({ ...statefulsets, namespace }, {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
      spec: {
        replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
        template: { ...pauseTemplate('db'), spec: { ...pauseTemplate('db').spec, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo $HOSTNAME > /data/owner; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    await eventually('StatefulSet db to have 2 ready replicas', async () => (await client.get<Status>({ ...statefulsets, namespace, name: 'db' }))?.status?.readyReplicas === 2, 90_000);
    const pvcs = await client.list<Status & { spec: { volumeName?: string; storageClassName?: string } }>({ ...claims, namespace });
    expect(pvcs.items.map((c) => [c.metadata.name, c.status?.phase, c.spec.storageClassName]).sort()).toEqual([
      ['data-db-0', 'Bound', 'standard'],
      ['data-db-1', 'Bound', 'standard'],
    ]);
  });

  it('garbage-collects the ReplicaSets and pods of a deleted Deployment', async () => {
    const { client, name: namespace } = ns;
    await client.create({ ...deployments, namespace }, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'doomed' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'doomed' } }, template: pauseTemplate('doomed') },
    });
    await eventually('a pod of doomed to run', async () => (await client.list<Status>({ ...pods, namespace }, { labelSelector: 'app=doomed' })).items.some((p) => p.status?.phase === 'Running'));
    await client.delete({ ...deployments, namespace, name: 'doomed' }, { propagationPolicy: 'Background' });
    await eventually('the ReplicaSets of doomed to be collected', async () => (await client.list({ ...replicasets, namespace }, { labelSelector: 'app=doomed' })).items.length === 0);
    await eventually('the pods of doomed to be collected', async () => (await client.list({ ...pods, namespace }, { labelSelector: 'app=doomed' })).items.length === 0);
  });

  it('garbage-collects an object whose owner is deleted', async () => {
    const { client, name: namespace } = ns;
    const owner = await client.create({ ...configmaps, namespace }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    await client.create({ ...configmaps, namespace }, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'child', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }] },
    });
    await client.delete({ ...configmaps, namespace, name: 'owner' });
    await eventually('child to be garbage-collected', async () => (await client.get({ ...configmaps, namespace, name: 'child' })) === undefined);
  });

  it('finishes deleting a namespace that holds running pods', async () => {
    const { client } = ns;
    const name = `${ns.name}-gone`;
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await client.create({ ...pods, namespace: name }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: pauseTemplate('p').spec });
    await client.create({ ...configmaps, namespace: name }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    await eventually('pod p to run', async () => (await client.get<Status>({ ...pods, namespace: name, name: 'p' }))?.status?.phase === 'Running');
    await client.delete({ ...namespaces, name });
    await eventually(`namespace ${name} to be gone`, async () => (await client.get({ ...namespaces, name })) === undefined, 90_000);
  });
});
