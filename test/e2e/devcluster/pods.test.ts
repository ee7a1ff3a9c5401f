import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { KubeClient, KubeObject } from '../../../src/k8s/index.js';
import { projectRoot } from '../../../src/devcluster/paths.js';
import { eventually, useNamespace } from '../harness.js';

const pods = { group: '', version: 'v1', resource: 'pods' };
const services = { group: '', version: 'v1', resource: 'services' };
const statefulsets = { group: 'apps', version: 'v1', resource: 'statefulsets' };
const events = { group: '', version: 'v1', resource: 'events' };

interface PodView extends KubeObject {
  spec: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { ready: boolean; restartCount: number; state: Record<string, { exitCode?: number; reason?: string }>; lastState: Record<string, { exitCode?: number }> }[];
  };
}

const getPod = (client: KubeClient, namespace: string, name: string) => client.get<PodView>({ ...pods, namespace, name });
const isReady = (pod: PodView | undefined) => pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const podEnv = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
];

/** Calls etcd's JSON gateway on the pod network from the host. */
function etcdCall(ip: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request({ host: ip, port: 2379, path, method: 'POST', timeout: 3000, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as Record<string, unknown>) : reject(new Error(`${res.statusCode}: ${text}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('pods as real processes on local nodes', () => {
  const ns = useNamespace('pods');

  it('runs real etcd in a pod, serving on its pod IP', async () => {
    const { client, name: namespace } = ns;
    await client.create({ ...pods, namespace }, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'etcd' },
      spec: {
        containers: [{
          name: 'etcd', image: 'quay.io/coreos/etcd:v3.6.16', env: podEnv,
          command: ['/usr/local/bin/etcd'],
          args: ['--name=$(POD_NAME)', '--data-dir=/var/lib/etcd', '--listen-client-urls=http://0.0.0.0:2379', '--advertise-client-urls=http://$(POD_IP):2379',
            '--listen-peer-urls=http://0.0.0.0:2380', '--initial-advertise-peer-urls=http://$(POD_IP):2380', '--initial-cluster=$(POD_NAME)=http://$(POD_IP):2380'],
          volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
          readinessProbe: { httpGet: { path: '/health', port: 2379 }, periodSeconds: 1 },
        }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    });
    const pod = await eventually('etcd pod to be Ready', async () => { const p = await getPod(client, namespace, 'etcd'); return isReady(p) && p; }, 60_000);
    const ip = pod.status!.podIP!;
    expect(ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
    await etcdCall(ip, '/v3/kv/put', { key: b64('greeting'), value: b64('hello') });
    const range = await etcdCall(ip, '/v3/kv/range', { key: b64('greeting') }) as { kvs: { value: string }[] };
    expect(Buffer.from(range.kvs[0]!.value, 'base64').toString()).toBe('hello');
  });

  it('forms a three-member etcd whose peers find each other by hostname.subdomain', async () => {
    const { client, name: namespace } = ns;
    await client.create({ ...services, namespace }, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'etcd-peers' },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'etcd3' }, ports: [{ name: 'peer', port: 2380 }, { name: 'client', port: 2379 }] },
    });
    const members = [0, 1, 2].map((i) => `etcd3-${i}=http://etcd3-${i}.etcd-peers:2380`).join(',');
    await client.create({ ...statefulsets, namespace }, {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'etcd3' },
      spec: {
        replicas: 3, serviceName: 'etcd-peers', podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'etcd3' } },
        template: {
          metadata: { labels: { app: 'etcd3' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            containers: [{
              name: 'etcd', image: 'gcr.io/etcd-development/etcd:v3.6.16', env: podEnv,
              command: ['etcd', '--name=$(POD_NAME)', '--data-dir=/var/lib/etcd', '--listen-client-urls=http://0.0.0.0:2379',
                '--advertise-client-urls=http://$(POD_NAME).etcd-peers:2379', '--listen-peer-urls=http://0.0.0.0:2380',
                '--initial-advertise-peer-urls=http://$(POD_NAME).etcd-peers:2380', `--initial-cluster=${members}`, '--initial-cluster-state=new'],
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
              readinessProbe: { httpGet: { path: '/health', port: 2379 }, periodSeconds: 1 },
            }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    await eventually('three etcd members to be Ready', async () => (await client.get<KubeObject & { status?: { readyReplicas?: number } }>({ ...statefulsets, namespace, name: 'etcd3' }))?.status?.readyReplicas === 3, 90_000);
    const pod0 = await getPod(client, namespace, 'etcd3-0');
    const list = await etcdCall(pod0!.status!.podIP!, '/v3/cluster/member/list', {}) as { members: { name: string; peerURLs: string[] }[] };
    expect(list.members.map((m) => m.name).sort()).toEqual(['etcd3-0', 'etcd3-1', 'etcd3-2']);
    expect(list.members.flatMap((m) => m.peerURLs)).toContain('http://etcd3-2.etcd-peers:2380');
  });

  it('stops the process when its pod is deleted', async () => {
    const { client, name: namespace } = ns;
    const marker = String(900000 + Math.floor(Math.random() * 99999));
    await client.create({ ...pods, namespace }, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sleeper' },
      spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'main', image: 'busybox', command: ['sleep', marker] }] },
    });
    await eventually('sleeper to run', async () => (await getPod(client, namespace, 'sleeper'))?.status?.phase === 'Running');
    // Running is reported once the process is spawned; it execs into `sleep` a moment later.
    await eventually('the sleep process to exist', async () => processesWith(`sleep ${marker}`).length === 1);
    await client.delete({ ...pods, namespace, name: 'sleeper' });
    await eventually('the sleeper pod object to be gone', async () => (await getPod(client, namespace, 'sleeper')) === undefined, 30_000);
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
  });

  it('reports exit codes and restart counts, and restarts per restartPolicy', async () => {
    const { client, name: namespace } = ns;
    await client.create({ ...pods, namespace }, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crasher' },
      spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo crashing; exit 3'] }] },
    });
    await client.create({ ...pods, namespace }, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'once' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo done; exit 0'] }] },
    });
    const crasher = await eventually('crasher to restart twice', async () => { const p = await getPod(client, namespace, 'crasher'); return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && p; }, 30_000);
    expect(crasher.status!.containerStatuses![0]!.lastState.terminated!.exitCode).toBe(3);
    const once = await eventually('once to succeed', async () => { const p = await getPod(client, namespace, 'once'); return p?.status?.phase === 'Succeeded' && p; });
    expect(once.status!.containerStatuses![0]!.state.terminated!.exitCode).toBe(0);
    expect(once.status!.containerStatuses![0]!.restartCount).toBe(0);
    const logs = await client.requestText({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods/crasher/log`, query: { previous: true } });
    expect(logs).toBe('crashing\n');
  });

  it('drives Ready from an exec readiness probe and restarts on a failing liveness probe', async () => {
    const { client, name: namespace } = ns;
    await client.create({ ...pods, namespace }, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probed' },
      spec: {
        containers: [{
          name: 'main', image: 'busybox', command: ['sh', '-c', 'sleep 2; touch /tmp/ready-$POD_NAME; exec sleep 3600'], env: podEnv,
          readinessProbe: { exec: { command: ['sh', '-c', 'test -e /tmp/ready-probed'] }, periodSeconds: 1 },
        }],
      },
    });
    await client.create({ ...pods, namespace }, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unhealthy' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], livenessProbe: { tcpSocket: { port: 9 }, periodSeconds: 1, failureThreshold: 2 } }],
      },
    });
    expect(isReady(await getPod(client, namespace, 'probed'))).toBe(false);
    await eventually('probed to become Ready', async () => isReady(await getPod(client, namespace, 'probed')), 30_000);
    await eventually('unhealthy to be restarted by its liveness probe', async () => ((await getPod(client, namespace, 'unhealthy'))?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000);
  });

  it('simulates an image it cannot run and says so in an Event', async () => {
    const { client, name: namespace } = ns;
    await client.create({ ...pods, namespace }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } });
    await eventually('nginx to be Ready (simulated)', async () => isReady(await getPod(client, namespace, 'nginx')));
    const list = await client.list<KubeObject & { reason?: string; message?: string }>({ ...events, namespace }, { fieldSelector: 'involvedObject.name=nginx' });
    const simulated = list.items.find((e) => e.reason === 'Simulated');
    expect(simulated?.message).toContain('nginx:1.27');
  });

  it('lets pods reach a service on the host by name', async () => {
    const { client, name: namespace } = ns;
    const server = http.createServer((_req, res) => res.end('from the host'));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const { port } = server.address() as { port: number };
    try {
      await client.create({ ...pods, namespace }, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'caller' },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['node', '-e', `fetch('http://host.capstan.internal:${port}/').then((r) => r.text()).then(console.log)`] }] },
      });
      await eventually('caller to succeed', async () => (await getPod(client, namespace, 'caller'))?.status?.phase === 'Succeeded', 30_000);
      expect(await client.requestText({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods/caller/log` })).toBe('from the host\n');
    } finally {
      server.close();
    }
  });

  it('lets a pod list pods with its service-account token through in-cluster config', async () => {
    const { client, name: namespace } = ns;
    const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1' };
    await client.create({ group: '', version: 'v1', resource: 'serviceaccounts', namespace }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'lister' } });
    await client.create({ ...rbac, resource: 'roles', namespace }, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-lister' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] });
    await client.create({ ...rbac, resource: 'rolebindings', namespace }, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'lister' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-lister' },
      subjects: [{ kind: 'ServiceAccount', name: 'lister', namespace }],
    });
    const script = [
      "import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';",
      'const kc = new KubeConfig(); kc.loadFromCluster();',
      'const api = kc.makeApiClient(CoreV1Api);',
      'const list = await api.listNamespacedPod({ namespace: process.env.POD_NAMESPACE });',
      "console.log('PODS ' + list.items.map((p) => p.metadata.name).sort().join(','));",
    ].join('\n');
    await client.create({ ...pods, namespace }, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'in-cluster' },
      spec: {
        serviceAccountName: 'lister', restartPolicy: 'Never',
        containers: [{ name: 'main', image: 'busybox', workingDir: projectRoot(), env: podEnv, command: ['node', '--input-type=module', '-e', script] }],
      },
    });
    const done = await eventually('in-cluster pod to finish', async () => { const p = await getPod(client, namespace, 'in-cluster'); return ['Succeeded', 'Failed'].includes(p?.status?.phase ?? '') && p; }, 60_000);
    const logs = await client.requestText({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods/in-cluster/log` });
    expect(done.status!.phase, logs).toBe('Succeeded');
    expect(logs).toMatch(/^PODS .*in-cluster/m);
  });
});

function processesWith(commandLine: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `^${commandLine}$`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
