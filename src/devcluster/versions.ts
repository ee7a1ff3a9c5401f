/** The pinned versions of the binaries the local cluster runs. Bump them together with the cache key. */
export const versions = {
  kubernetes: 'v1.36.3',
  etcd: 'v3.6.8',
  kwok: 'v0.8.0',
} as const;

/** The oldest Go that builds every pinned module. */
export const minimumGo = { major: 1, minor: 26 };

/** The binaries the cache holds, each built from a Go module. */
export const binaryNames = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'etcd', 'kwok'] as const;

/** One of {@link binaryNames}. */
export type BinaryName = (typeof binaryNames)[number];

/** The cache key: one directory of binaries per combination of versions. */
export function cacheKey(): string {
  return `k8s-${versions.kubernetes}_etcd-${versions.etcd}_kwok-${versions.kwok}`;
}
