import { randomBytes } from 'node:crypto';

/** The ports every member serves. */
export const ports = { client: 2379, peer: 2380, metrics: 2381 } as const;

/** Label keys the operator puts on what it creates. */
export const labels = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  member: 'etcd.capstan.dev/member',
} as const;

/** Annotation keys on member pods. */
export const annotations = {
  /** How the pod's etcd was told to start: `seed` (a new cluster), `join` (an added member) or `member` (a restart). */
  bootstrap: 'etcd.capstan.dev/bootstrap',
  /** The etcd version the pod runs. */
  version: 'etcd.capstan.dev/version',
  /** The fingerprint of the certificates the pod started with (`certificateRevision`), on TLS clusters. */
  certificates: 'etcd.capstan.dev/certificates',
} as const;

/** The labels that select every member pod of a cluster. */
export function clusterSelector(cluster: string): Record<string, string> {
  return { [labels.name]: 'etcd', [labels.instance]: cluster };
}

/** The headless Service that gives each member a stable DNS name. */
export function peerServiceName(cluster: string): string {
  return `${cluster}-peer`;
}

/** The member's DNS name in the peer Service. */
export function memberHost(cluster: string, namespace: string, member: string): string {
  return `${member}.${peerServiceName(cluster)}.${namespace}.svc`;
}

/** The member's peer URL: a DNS name, so it survives a recreated pod with a new IP; https on a TLS cluster. */
export function peerURL(cluster: string, namespace: string, member: string, secure = false): string {
  return `${secure ? 'https' : 'http'}://${memberHost(cluster, namespace, member)}:${ports.peer}`;
}

/** The member's advertised client URL; https on a TLS cluster. */
export function clientURL(cluster: string, namespace: string, member: string, secure = false): string {
  return `${secure ? 'https' : 'http'}://${memberHost(cluster, namespace, member)}:${ports.client}`;
}

/** The client Service's name inside the cluster, which every member's serving certificate names. */
export function serviceHost(cluster: string, namespace: string): string {
  return `${cluster}.${namespace}.svc`;
}

/** The member name a peer URL was made for (its first DNS label), or undefined for a URL of someone else's making. */
export function memberOfPeerURL(url: string): string | undefined {
  try {
    return new URL(url).hostname.split('.')[0] || undefined;
  } catch {
    return undefined;
  }
}

/** The claim holding a member's data. */
export function claimName(member: string): string {
  return `${member}-data`;
}

/**
 * A fresh member name, `<cluster>-<5 random characters>`: never reused, so a removed member's data or
 * identity can never come back under a new member.
 */
export function newMemberName(cluster: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  return `${cluster}-${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** The votes a cluster of `voters` needs to commit: a majority. */
export function quorum(voters: number): number {
  return Math.floor(voters / 2) + 1;
}
