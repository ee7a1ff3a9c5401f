import { describe, expect, it } from 'vitest';
import { upgradeRefusal, versionRefusal } from '../../../../apps/etcd/operator/versions.js';
import { memberFlags, memberPod } from '../../../../apps/etcd/operator/member-pod.js';
import { EtcdClusterType } from '../../../../apps/etcd/etcd-cluster-type.js';

describe('etcd version changes', () => {
  it.each([
    ['3.6.15', '3.6.16', undefined],
    ['3.6.16', '3.7.3', undefined],
    ['3.6.16', '3.6.16', undefined],
    ['3.7.3', '3.6.16', /downgrade, which is refused/],
    ['3.6.16', '3.8.0', /skips a minor version; upgrade to 3\.7 first/],
    ['3.5.20', '3.6.16', /needs 3\.5\.32 or newer first/],
    ['3.6.16', '3.6.99', /not an etcd release this operator runs/],
  ])('%s → %s', (from, to, refusal) => {
    const why = upgradeRefusal(from, to);
    if (refusal) expect(why).toMatch(refusal);
    else expect(why).toBeUndefined();
  });

  it('starts new clusters only at a release it runs', () => {
    expect(versionRefusal('3.7.3')).toBeUndefined();
    expect(versionRefusal('3.6.99')).toMatch(/use one of 3\.6\.13, .*3\.7\.3/);
  });
});

describe('member pods', () => {
  const spec = EtcdClusterType.view({ metadata: { name: 'c', namespace: 'ns' }, spec: {} }).spec;
  const input = { cluster: 'c', namespace: 'ns', uid: 'u1', member: 'c-abcde', spec };

  it('renders no --experimental-* flag for 3.7, which refuses them', () => {
    for (const version of ['3.6.16', '3.7.3']) {
      const flags = memberFlags({ ...input, version, bootstrap: 'member' });
      expect(flags.filter((f) => f.startsWith('--experimental'))).toEqual([]);
      expect(flags).toContain('--max-learners=1');
    }
  });

  it('tells a joining member the whole member list and a restarted one only itself', () => {
    const join = memberFlags({ ...input, version: '3.6.16', bootstrap: 'join', initialCluster: 'c-a=http://a:2380,c-abcde=http://b:2380' });
    expect(join).toContain('--initial-cluster=c-a=http://a:2380,c-abcde=http://b:2380');
    expect(join).toContain('--initial-cluster-state=existing');
    const again = memberFlags({ ...input, version: '3.6.16', bootstrap: 'member' });
    expect(again).toContain('--initial-cluster=c-abcde=http://c-abcde.c-peer.ns.svc:2380');
    expect(again).toContain('--initial-cluster-state=existing');
    expect(memberFlags({ ...input, version: '3.6.16', bootstrap: 'seed' })).toContain('--initial-cluster-state=new');
    expect(again).toContain('--initial-cluster-token=ns-c-u1');
  });

  it('runs the image of its version, with a readiness probe and no liveness probe', () => {
    const pod = memberPod({ ...input, version: '3.7.3', bootstrap: 'member' }) as unknown as { spec: { containers: { image: string; readinessProbe?: unknown; livenessProbe?: unknown }[]; subdomain: string } };
    expect(pod.spec.containers[0]!.image).toBe('gcr.io/etcd-development/etcd:v3.7.3');
    expect(pod.spec.containers[0]!.readinessProbe).toBeDefined();
    expect(pod.spec.containers[0]!.livenessProbe).toBeUndefined();
    expect(pod.spec.subdomain).toBe('c-peer');
  });
});
