import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../src/k8s/index.js';
import { eventually, useNamespace } from '../../harness.js';

type Pod = KubeObject & { status?: { phase?: string; containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[] } };

/** etcd images on the local node: each tag runs its own built etcd, etcdctl and etcdutl, and an unbuilt tag says so. */
describe('etcd images run the version their tag names', () => {
  const ns = useNamespace('etcd-images');
  const client = ns.client;
  const pods = { group: '', version: 'v1', resource: 'pods', namespace: ns.name };

  const versionsPod = (name: string, image: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      restartPolicy: 'Never',
      containers: ['etcd', 'etcdctl', 'etcdutl'].map((program) => ({ name: program, image, command: [`/usr/local/bin/${program}`, program === 'etcd' ? '--version' : 'version'] })),
    },
  });

  it.each([
    ['quay.io/coreos/etcd:v3.6.16', '3.6.16'],
    ['gcr.io/etcd-development/etcd:v3.7.3', '3.7.3'],
  ])('%s runs etcd, etcdctl and etcdutl %s', async (image, version) => {
    const name = `v${version.replaceAll('.', '-')}`;
    await client.create(pods, versionsPod(name, image));
    await eventually(`pod ${name} to succeed`, async () => (await client.get<Pod>({ ...pods, name }))?.status?.phase === 'Succeeded', 30_000);
    for (const container of ['etcd', 'etcdctl', 'etcdutl']) {
      const log = await client.requestText({ method: 'GET', path: `/api/v1/namespaces/${ns.name}/pods/${name}/log`, query: { container } });
      expect(log).toMatch(container === 'etcd' ? new RegExp(`^etcd Version: ${version}$`, 'm') : new RegExp(`^${container} version: ${version}$`, 'm'));
    }
  });

  it('keeps a pod whose tag names an unbuilt version waiting, with an ImageNotBuilt Event saying how to build it', async () => {
    await client.create(pods, versionsPod('unbuilt', 'quay.io/coreos/etcd:v3.6.14'));
    const waiting = await eventually('the container to wait for its image', async () => {
      const pod = await client.get<Pod>({ ...pods, name: 'unbuilt' });
      return pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull' && pod.status.containerStatuses[0].state.waiting;
    }, 30_000);
    expect(waiting.message).toContain('needs etcd 3.6.14, which is not built on this machine');
    const events = await eventually('the ImageNotBuilt Event', async () => {
      const list = await client.list<KubeObject & { reason?: string; message?: string }>({ group: '', version: 'v1', resource: 'events', namespace: ns.name }, { fieldSelector: 'involvedObject.name=unbuilt' });
      return list.items.find((e) => e.reason === 'ImageNotBuilt');
    }, 30_000);
    expect(events.message).toMatch(/built here: .*3\.6\.16.*3\.7\.3/);
    expect(events.message).toContain('`capstan dev build --image quay.io/coreos/etcd:v3.6.14`');
    expect((await client.get<Pod>({ ...pods, name: 'unbuilt' }))?.status?.phase).toBe('Pending');
  });
});
