import { describe, expect, it } from 'vitest';
import { EtcdClusterType } from '../../../../apps/etcd/etcd-cluster-type.js';
import { memberFlags, memberPod, type MemberPodInput } from '../../../../apps/etcd/operator/member-pod.js';

const spec = (extra: Record<string, unknown> = {}) => EtcdClusterType.view({ apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'c', namespace: 'ns' }, spec: { size: 3, ...extra } }).spec;
const input = (extra: Record<string, unknown> = {}): MemberPodInput => ({ cluster: 'c', namespace: 'ns', uid: 'u', member: 'c-abcde', version: '3.7.3', bootstrap: 'join', initialCluster: 'x=https://x', spec: spec(extra), certificates: 'rev' });
type PodSpec = { spec: { volumes: { name: string; emptyDir?: object; secret?: { secretName: string } }[]; containers: { readinessProbe: { httpGet: { port: number } }; volumeMounts: { mountPath: string }[] }[] }; metadata: { annotations: Record<string, string> } };

describe('member pods', () => {
  it('serve plain http without tls, probed on the client port, on a claim', () => {
    const flags = memberFlags(input());
    expect(flags).toContain('--listen-client-urls=http://0.0.0.0:2379');
    expect(flags.some((f) => f.startsWith('--cert-file'))).toBe(false);
    const pod = memberPod(input()) as unknown as PodSpec;
    expect(pod.spec.containers[0]!.readinessProbe.httpGet.port).toBe(2379);
    expect(pod.spec.volumes.find((v) => v.name === 'data')).toMatchObject({ persistentVolumeClaim: { claimName: 'c-abcde-data' } });
  });

  it('serve only https with client certificates required on both ports, probed on the plain metrics port', () => {
    const flags = memberFlags(input({ tls: {} }));
    expect(flags).toEqual(expect.arrayContaining([
      '--listen-client-urls=https://0.0.0.0:2379', '--listen-peer-urls=https://0.0.0.0:2380',
      '--advertise-client-urls=https://c-abcde.c-peer.ns.svc:2379', '--initial-advertise-peer-urls=https://c-abcde.c-peer.ns.svc:2380',
      '--client-cert-auth=true', '--peer-client-cert-auth=true', '--trusted-ca-file=/etc/etcd/tls/server/ca.crt', '--peer-trusted-ca-file=/etc/etcd/tls/peer/ca.crt',
      '--listen-metrics-urls=http://0.0.0.0:2381',
    ]));
    const pod = memberPod(input({ tls: {} })) as unknown as PodSpec;
    expect(pod.spec.containers[0]!.readinessProbe.httpGet.port).toBe(2381);
    expect(pod.spec.volumes.filter((v) => v.secret).map((v) => v.secret!.secretName)).toEqual(['c-abcde-tls']);
    expect(pod.metadata.annotations['etcd.capstan.dev/certificates']).toBe('rev');
  });

  it('mount the user\'s server and peer Secrets separately', () => {
    const pod = memberPod(input({ tls: { secrets: { server: 's', peer: 'p', client: 'c' } } })) as unknown as PodSpec;
    expect(pod.spec.volumes.filter((v) => v.secret).map((v) => v.secret!.secretName)).toEqual(['s', 'p']);
    expect(pod.spec.containers[0]!.volumeMounts.map((m) => m.mountPath)).toEqual(['/var/lib/etcd', '/etc/etcd/tls/server', '/etc/etcd/tls/peer']);
  });

  it('keep ephemeral data in an emptyDir', () => {
    const pod = memberPod(input({ storage: { ephemeral: true } })) as unknown as PodSpec;
    expect(pod.spec.volumes.find((v) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
  });
});
