import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/devcluster/paths.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { adminClient, eventually, kubeconfigPath } from '../harness.js';
import { crdRef } from './helpers.js';

const run = promisify(execFile);
const namespace = 'capstan-demo';
const crdName = 'greetings.demo.capstan.dev';
/** dist/ also deploys the etcd app; its namespace and CRD go too, so its processes do not outlive this file. */
const etcdNamespace = 'capstan-etcd';
const etcdCrdNames = ['etcdclusters.etcd.capstan.dev', 'etcdbackups.etcd.capstan.dev'];
const greetings = { group: 'demo.capstan.dev', version: 'v1alpha1', resource: 'greetings', namespace };

type Greeting = KubeObject & { spec: { message: string }; status?: { replicas?: number; url?: string; conditions?: { type: string; status: string; observedGeneration?: number }[] } };

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** The README's main job: `capstan apply dist/` onto the cluster, the greeter operator running in a pod with its generated RBAC. */
describe('the demo app from dist/ on the real cluster', () => {
  const client = adminClient();
  let crdExisted = false;
  let etcdCrdsExisting: boolean[] = [];

  beforeAll(async () => {
    crdExisted = (await client.get(crdRef(crdName))) !== undefined;
    etcdCrdsExisting = await Promise.all(etcdCrdNames.map(async (n) => (await client.get(crdRef(n))) !== undefined));
    const cli = [path.join(projectRoot(), 'bin', 'capstan.js')];
    await run(process.execPath, [...cli, 'apply', 'dist/', '--inventory', 'capstan-demo-e2e', '--prune', '--wait', '240s', '--kubeconfig', kubeconfigPath()], { cwd: projectRoot(), timeout: 280_000 });
  }, 300_000);

  afterAll(async () => {
    await client.delete({ group: '', version: 'v1', resource: 'namespaces', name: namespace });
    await client.delete({ group: '', version: 'v1', resource: 'namespaces', name: etcdNamespace });
    if (!crdExisted) await client.delete(crdRef(crdName));
    for (const [i, n] of etcdCrdNames.entries()) if (!etcdCrdsExisting[i]) await client.delete(crdRef(n));
    client.close();
  });

  it('reconciles each Greeting through the operator pod: children applied, status Ready with observedGeneration', async () => {
    const hello = await eventually('Greeting hello to be Ready', async () => {
      const g = await client.get<Greeting>({ ...greetings, name: 'hello' });
      return g?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && g;
    }, 120_000);
    expect(hello.status!.replicas).toBe(2);
    expect(hello.status!.conditions!.find((c) => c.type === 'Ready')!.observedGeneration).toBe(hello.metadata.generation);
    const pods = await client.list<KubeObject & { status: { podIP?: string } }>({ group: '', version: 'v1', resource: 'pods', namespace }, { labelSelector: 'app.kubernetes.io/instance=hello' });
    expect(pods.items).toHaveLength(2);
    expect(await get(`http://${pods.items[0]!.status.podIP}:8080/`)).toBe('Hello from Capstan\n');
  });

  it('follows a spec change into the child it owns, and the running pods serve it', async () => {
    await eventually('Greeting bonjour to be Ready', async () => (await client.get<Greeting>({ ...greetings, name: 'bonjour' }))?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 120_000);
    await client.patch({ ...greetings, name: 'bonjour' }, 'merge', { spec: { message: 'Salut' } });
    await eventually('the bonjour ConfigMap to carry the new message', async () => {
      const cm = await client.get<KubeObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'configmaps', namespace, name: 'bonjour-greeting' });
      return cm?.data?.['index.html'] === 'Salut\n';
    }, 60_000);
    const pods = await client.list<KubeObject & { status: { podIP?: string } }>({ group: '', version: 'v1', resource: 'pods', namespace }, { labelSelector: 'app.kubernetes.io/instance=bonjour' });
    // The local node refreshes ConfigMap volumes in place, as the kubelet does.
    await eventually('the bonjour pod to serve the new message', async () => (await get(`http://${pods.items[0]!.status.podIP}:8080/`)) === 'Salut\n', 60_000);
  });
});
