import { describe, expect, it } from 'vitest';
import { imageRepository, lookupImage, resolveArgv, type ImageMap } from '../../../src/devcluster/node/images.js';

const map: ImageMap = {
  etcd: { entrypoint: ['/cache/etcd'], programs: { etcd: '/cache/etcd', etcdctl: '/cache/etcdctl' } },
  'ghcr.io/acme/tool': { entrypoint: ['/opt/tool'] },
  busybox: { host: true },
};

describe('image map', () => {
  it('strips tags and digests but keeps registry ports', () => {
    expect(imageRepository('quay.io/coreos/etcd:v3.6.8')).toBe('quay.io/coreos/etcd');
    expect(imageRepository('localhost:5000/app@sha256:abc')).toBe('localhost:5000/app');
    expect(imageRepository('localhost:5000/app')).toBe('localhost:5000/app');
  });

  it('matches the full repository first, then without registry, then the last path element', () => {
    expect(lookupImage(map, 'ghcr.io/acme/tool:1')).toBe(map['ghcr.io/acme/tool']);
    expect(lookupImage(map, 'gcr.io/etcd-development/etcd:v3.6.8')).toBe(map.etcd);
    expect(lookupImage(map, 'nginx:1.27')).toBeUndefined();
  });

  it('follows Kubernetes command/args rules and maps program names', () => {
    const etcd = map.etcd!;
    expect(resolveArgv(etcd, undefined, ['--name=a'])).toEqual(['/cache/etcd', '--name=a']);
    expect(resolveArgv(etcd, ['/usr/local/bin/etcd', '--x'], ['--y'])).toEqual(['/cache/etcd', '--x', '--y']);
    expect(resolveArgv(etcd, ['sh', '-c', 'etcd'], undefined)).toEqual(['sh', '-c', 'etcd']);
    expect(resolveArgv(map.busybox!, undefined, ['x'])).toBeUndefined();
    expect(resolveArgv(map.busybox!, ['sleep', '1'], undefined)).toEqual(['sleep', '1']);
  });
});
