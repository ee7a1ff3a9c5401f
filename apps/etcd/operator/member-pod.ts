import type { KubeObject } from '../../../src/k8s/index.js';
import type { EtcdClusterType } from '../etcd-cluster-type.js';
import { annotations, claimName, clientURL, clusterSelector, labels, peerServiceName, peerURL, ports } from './names.js';
import { memberTlsSecrets, tlsMounts } from './tls.js';
import { minorOf } from './versions.js';

type ClusterSpec = typeof EtcdClusterType.types.view;

/**
 * How a member's etcd starts:
 * - `seed`: the first member, forming a new cluster alone (`--initial-cluster-state=new`);
 * - `join`: an added member, told the member list etcd returned when it was added (`existing`);
 * - `member`: every later start, told only of itself (`existing`). With its data intact etcd ignores
 *   these flags; with its data lost it finds no peer to fetch the cluster from and exits, so a member
 *   whose data is gone can never rejoin under its old id (with an empty log it could vote a stale
 *   candidate in and lose committed writes). The operator replaces it instead.
 */
export type Bootstrap = 'seed' | 'join' | 'member';

/** What a member pod is rendered from. */
export interface MemberPodInput {
  cluster: string;
  namespace: string;
  /** The cluster's uid: part of the initial-cluster token, so data of an earlier cluster of the same name never joins this one. */
  uid: string;
  member: string;
  version: string;
  bootstrap: Bootstrap;
  /** `name=peerURL,…` for a joining member: the list etcd returned from the add. */
  initialCluster?: string | undefined;
  /** For a seed: the snapshot its data is restored from before etcd starts. */
  restore?: { claimName: string; file: string } | undefined;
  spec: ClusterSpec;
  /** On a TLS cluster: the fingerprint of the certificates the pod starts with. */
  certificates?: string | undefined;
}

/** The data directory, inside the member's claim. */
export const dataDir = '/var/lib/etcd/data';

/**
 * The flags of one member, rendered per release line: 3.6 renamed the `--experimental-*` flags and
 * 3.7 removed them (a 3.7 etcd refuses to start with one), so only the names each line accepts appear.
 */
export function memberFlags(input: MemberPodInput): string[] {
  const { cluster, namespace, member, bootstrap } = input;
  const secure = Boolean(input.spec.tls);
  const scheme = secure ? 'https' : 'http';
  const self = `${member}=${peerURL(cluster, namespace, member, secure)}`;
  const flags = [
    `--name=${member}`,
    `--data-dir=${dataDir}`,
    `--listen-peer-urls=${scheme}://0.0.0.0:${ports.peer}`,
    `--listen-client-urls=${scheme}://0.0.0.0:${ports.client}`,
    `--advertise-client-urls=${clientURL(cluster, namespace, member, secure)}`,
    `--initial-advertise-peer-urls=${peerURL(cluster, namespace, member, secure)}`,
    `--initial-cluster=${bootstrap === 'join' ? input.initialCluster ?? self : self}`,
    `--initial-cluster-state=${bootstrap === 'seed' ? 'new' : 'existing'}`,
    `--initial-cluster-token=${clusterToken(input)}`,
    '--strict-reconfig-check=true',
    ...(secure ? tlsFlags : []),
  ];
  return [...flags, ...lineFlags[minorOf(input.version)] ?? lineFlags['3.7']!];
}

/**
 * TLS on both ports, client certificates required on both. Probes and metrics get a plain listener of
 * their own (`/readyz`, `/health`, `/metrics` only; no key-value access), since the kubelet presents
 * no client certificate. Peers are not checked against reverse DNS of their address
 * (`--peer-skip-client-san-verification`): a recreated pod's new IP can trail in DNS and would fail
 * its peers' handshakes, while every peer certificate comes from this cluster's own CA anyway.
 */
const tlsFlags = [
  `--cert-file=${tlsMounts.server}/tls.crt`, `--key-file=${tlsMounts.server}/tls.key`, `--trusted-ca-file=${tlsMounts.server}/ca.crt`, '--client-cert-auth=true',
  `--peer-cert-file=${tlsMounts.peer}/tls.crt`, `--peer-key-file=${tlsMounts.peer}/tls.key`, `--peer-trusted-ca-file=${tlsMounts.peer}/ca.crt`, '--peer-client-cert-auth=true',
  '--peer-skip-client-san-verification=true',
  `--listen-metrics-urls=http://0.0.0.0:${ports.metrics}`,
];

/** The initial-cluster token: the cluster's uid in it keeps data of an earlier cluster of the same name out. */
function clusterToken(input: MemberPodInput): string {
  return `${input.namespace}-${input.cluster}-${input.uid}`;
}

/**
 * The init container that restores a seed's data from a snapshot, with the etcdutl of the version the
 * cluster runs. Revisions are bumped and marked compacted, so watchers and caches of the old cluster
 * never see a revision go back.
 */
function restoreContainer(input: MemberPodInput, image: string): Record<string, unknown> {
  const { cluster, namespace, member } = input;
  return {
    name: 'restore',
    image,
    command: ['/usr/local/bin/etcdutl', 'snapshot', 'restore', `/backups/${input.restore!.file}`,
      `--data-dir=${dataDir}`, `--name=${member}`, `--initial-cluster=${member}=${peerURL(cluster, namespace, member, Boolean(input.spec.tls))}`,
      `--initial-cluster-token=${clusterToken(input)}`, `--initial-advertise-peer-urls=${peerURL(cluster, namespace, member, Boolean(input.spec.tls))}`,
      '--bump-revision=1000000000', '--mark-compacted'],
    volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }, { name: 'backups', mountPath: '/backups', readOnly: true }],
  };
}

/** Flags whose names differ between release lines. */
const lineFlags: Record<string, string[]> = {
  // 3.6 still accepts the old --experimental-* spellings (deprecated); the new names work in both.
  '3.6': ['--max-learners=1', '--watch-progress-notify-interval=10m', '--compact-hash-check-time=1m'],
  '3.7': ['--max-learners=1', '--watch-progress-notify-interval=10m', '--compact-hash-check-time=1m'],
};

/** The member's pod: a bare pod (etcd's membership, not a StatefulSet, decides which members exist). */
export function memberPod(input: MemberPodInput): KubeObject {
  const { cluster, namespace, member, spec } = input;
  const template = spec.podTemplate ?? {};
  const image = `${spec.repository}:v${input.version}`;
  const restore = input.bootstrap === 'seed' && input.restore;
  const tls = spec.tls ? memberTlsSecrets(spec, member) : undefined;
  const tlsVolumes = !tls ? [] : tls.server === tls.peer
    ? [{ name: 'tls', secret: { secretName: tls.server } }]
    : [{ name: 'tls-server', secret: { secretName: tls.server } }, { name: 'tls-peer', secret: { secretName: tls.peer } }];
  const tlsVolumeMounts = !tls ? [] : tls.server === tls.peer
    ? [{ name: 'tls', mountPath: tlsMounts.server, readOnly: true }, { name: 'tls', mountPath: tlsMounts.peer, readOnly: true }]
    : [{ name: 'tls-server', mountPath: tlsMounts.server, readOnly: true }, { name: 'tls-peer', mountPath: tlsMounts.peer, readOnly: true }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: member,
      namespace,
      labels: { ...template.labels, ...clusterSelector(cluster), [labels.member]: member, [labels.managedBy]: 'capstan-etcd' },
      annotations: {
        ...template.annotations, [annotations.bootstrap]: input.bootstrap, [annotations.version]: input.version,
        ...(input.certificates ? { [annotations.certificates]: input.certificates } : {}),
      },
    },
    spec: {
      hostname: member,
      subdomain: peerServiceName(cluster),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      ...(template.nodeSelector ? { nodeSelector: template.nodeSelector } : {}),
      ...(template.priorityClassName ? { priorityClassName: template.priorityClassName } : {}),
      ...(restore ? { initContainers: [restoreContainer(input, image)] } : {}),
      containers: [{
        name: 'etcd',
        image,
        command: ['/usr/local/bin/etcd'],
        args: memberFlags(input),
        ports: [{ name: 'client', containerPort: ports.client }, { name: 'peer', containerPort: ports.peer }, ...(tls ? [{ name: 'metrics', containerPort: ports.metrics }] : [])],
        // Ready when this member serves linearizable reads. No liveness probe: one would restart
        // healthy members that are merely waiting out an election.
        readinessProbe: { httpGet: { path: '/readyz', port: tls ? ports.metrics : ports.client }, periodSeconds: 2, failureThreshold: 3 },
        ...(spec.resources ? { resources: spec.resources } : {}),
        volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }, ...tlsVolumeMounts],
      }],
      volumes: [
        spec.storage.ephemeral ? { name: 'data', emptyDir: {} } : { name: 'data', persistentVolumeClaim: { claimName: claimName(member) } },
        ...tlsVolumes,
        ...(restore ? [{ name: 'backups', persistentVolumeClaim: { claimName: input.restore!.claimName, readOnly: true } }] : []),
      ],
    },
  } as KubeObject;
}

/** The claim holding a member's data. */
export function memberClaim(cluster: string, namespace: string, member: string, spec: ClusterSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claimName(member), namespace, labels: { ...clusterSelector(cluster), [labels.member]: member, [labels.managedBy]: 'capstan-etcd' } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: spec.storage.size } },
      ...(spec.storage.storageClassName ? { storageClassName: spec.storage.storageClassName } : {}),
    },
  } as KubeObject;
}
