import { X509Certificate } from 'node:crypto';
import { Kinds, refOf, type ReconcileContext } from '../../../src/controller/index.js';
import { isNotFound, type KubeObject } from '../../../src/k8s/index.js';
import type { EtcdClusterType } from '../etcd-cluster-type.js';
import { certificateRevision, issueCertificate, renewalTime, type IssuedCertificate } from './certificates.js';
import type { EtcdTls } from './etcd-transport.js';
import { clusterSelector, labels, memberHost, serviceHost } from './names.js';
import type { Observed } from './observe.js';
import { memberName } from './plan.js';

type ClusterSpec = typeof EtcdClusterType.types.view;

/** Where a member pod mounts its serving and peer credentials, and a snapshot pod its client credentials. */
export const tlsMounts = { server: '/etc/etcd/tls/server', peer: '/etc/etcd/tls/peer', client: '/etc/etcd/tls/client' } as const;

/** Label on the Secrets the operator issues: `ca`, `client` or `member`. */
const roleLabel = 'etcd.capstan.dev/certificate';

const caLifetimeMs = 10 * 365 * 24 * 3600_000;

/** The operator-issued CA of a cluster (tls.crt, tls.key). */
export function caSecretName(cluster: string): string {
  return `${cluster}-ca`;
}

/** The operator-issued serving and peer certificate of one member (ca.crt, tls.crt, tls.key). */
export function memberSecretName(member: string): string {
  return `${member}-tls`;
}

/** The operator-issued client certificate (ca.crt, tls.crt, tls.key), for the operator and your own clients. */
export function clientSecretName(cluster: string): string {
  return `${cluster}-client-tls`;
}

/** The Secrets a member pod mounts for serving clients and for its peers. */
export function memberTlsSecrets(spec: ClusterSpec, member: string): { server: string; peer: string } {
  const own = spec.tls?.secrets;
  return own ? { server: own.server, peer: own.peer } : { server: memberSecretName(member), peer: memberSecretName(member) };
}

/** The Secret holding the client certificate snapshot pods and the operator connect with. */
export function clientTlsSecret(cluster: string, spec: ClusterSpec): string {
  return spec.tls?.secrets?.client ?? clientSecretName(cluster);
}

/** `8760h`, `90m`, `150s`, `1h30m` in ms. */
export function parseDuration(duration: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m || duration === '') throw new Error(`"${duration}" is not a duration such as 8760h, 90m or 1h30m`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** A Secret named in the spec is missing or incomplete: the field to fix is in the message. */
export class TlsSecretInvalid extends Error {}

/** What a reconcile of a TLS cluster works with. */
export interface ClusterTls {
  /** What the operator connects with. */
  client: EtcdTls;
  /** The issuing CA, when the operator issues the certificates. */
  ca: IssuedCertificate | undefined;
  /** Member name → fingerprint of the certificates its pod must run with; absent for a member with none issued yet. */
  revisions: Map<string, string>;
  /** In your own Secrets' mode: the one fingerprint of every member. */
  shared: string | undefined;
  /** When the next certificate is due for renewal (epoch ms). */
  renewAt: number;
  lifetimeMs: number;
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

function decoded(secret: SecretObject | undefined, key: string): string | undefined {
  const value = secret?.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

function secretObject(name: string, namespace: string, cluster: string, role: string, data: Record<string, string>, member?: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
    metadata: { name, namespace, labels: { ...clusterSelector(cluster), [labels.managedBy]: 'capstan-etcd', [roleLabel]: role, ...(member ? { [labels.member]: member } : {}) } },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  } as KubeObject;
}

/** Whether a certificate must be issued again: missing, due for renewal, or not from the current CA. */
function needsIssue(cert: string | undefined, ca: IssuedCertificate, now: number): boolean {
  if (!cert) return true;
  try {
    return now >= renewalTime(cert) || !new X509Certificate(cert).checkIssued(new X509Certificate(ca.cert));
  } catch {
    return true;
  }
}

/**
 * Reads (and in the operator's own mode issues and renews) the cluster's TLS Secrets: the CA, the
 * client certificate, and every member certificate that is due. A renewed member certificate changes
 * that member's fingerprint, which the plan rolls its pod to, one member at a time. Nothing here
 * logs or returns a private key other than the operator's own client key.
 */
export async function prepareTls(ctx: ReconcileContext, spec: ClusterSpec, cluster: string, namespace: string): Promise<ClusterTls> {
  const tls = spec.tls!;
  const lifetimeMs = parseDuration(tls.certificateDuration);
  const now = Date.now();
  if (tls.secrets) return userTls(ctx, tls.secrets, namespace, cluster, lifetimeMs);

  const list = await ctx.client.list<SecretObject>(refOf(Kinds.Secret, namespace), { labelSelector: `${labels.instance}=${cluster},${roleLabel}` });
  const byName = new Map(list.items.map((s) => [s.metadata.name!, s]));
  const caSecret = byName.get(caSecretName(cluster));
  let ca: IssuedCertificate;
  const caCert = decoded(caSecret, 'tls.crt');
  const caKey = decoded(caSecret, 'tls.key');
  if (caCert && caKey) {
    ca = { cert: caCert, key: caKey };
  } else {
    ca = issueCertificate({ commonName: `${namespace}/${cluster} etcd CA`, isCA: true, lifetimeMs: caLifetimeMs });
    await ctx.apply(Kinds.Secret, secretObject(caSecretName(cluster), namespace, cluster, 'ca', { 'tls.crt': ca.cert, 'tls.key': ca.key }));
    await ctx.record({ reason: 'CertificateIssued', action: 'Issue', note: `issued the cluster's CA into Secret ${caSecretName(cluster)}` });
  }

  const clientSecret = byName.get(clientSecretName(cluster));
  let client = { cert: decoded(clientSecret, 'tls.crt'), key: decoded(clientSecret, 'tls.key') };
  if (needsIssue(client.cert, ca, now) || !client.key) {
    const issued = issueCertificate({ commonName: `${cluster}-client`, usages: ['client'], lifetimeMs }, ca);
    await ctx.apply(Kinds.Secret, secretObject(clientSecretName(cluster), namespace, cluster, 'client', { 'ca.crt': ca.cert, 'tls.crt': issued.cert, 'tls.key': issued.key }));
    client = issued;
  }

  const result: ClusterTls = {
    client: { ca: ca.cert, cert: client.cert!, key: client.key!, serverName: serviceHost(cluster, namespace) },
    ca, revisions: new Map(), shared: undefined, renewAt: renewalTime(client.cert!), lifetimeMs,
  };
  for (const secret of list.items) {
    const member = secret.metadata.labels?.[labels.member];
    if (!member || secret.metadata.labels?.[roleLabel] !== 'member') continue;
    let cert = decoded(secret, 'tls.crt');
    if (needsIssue(cert, ca, now)) {
      cert = await issueMember(ctx, result, cluster, namespace, member);
      await ctx.record({ reason: 'CertificateRenewed', action: 'Issue', note: `renewed the certificate of member ${member}; its pod restarts with it when every member is healthy` });
    }
    result.revisions.set(member, certificateRevision(cert!));
    result.renewAt = Math.min(result.renewAt, renewalTime(cert!));
  }
  return result;
}

async function issueMember(ctx: ReconcileContext, tls: ClusterTls, cluster: string, namespace: string, member: string): Promise<string> {
  const host = memberHost(cluster, namespace, member);
  const service = serviceHost(cluster, namespace);
  const issued = issueCertificate({
    commonName: member,
    hosts: [host, `${host}.cluster.local`, cluster, `${cluster}.${namespace}`, service, `${service}.cluster.local`, 'localhost', '127.0.0.1'],
    usages: ['server', 'client'],
    lifetimeMs: tls.lifetimeMs,
  }, tls.ca!);
  await ctx.apply(Kinds.Secret, secretObject(memberSecretName(member), namespace, cluster, 'member', { 'ca.crt': tls.ca!.cert, 'tls.crt': issued.cert, 'tls.key': issued.key }, member));
  return issued.cert;
}

/**
 * The fingerprint of the certificates a new member pod starts with, issuing the member's own
 * certificate first when the operator issues them. Its pod's peers and clients (etcd's
 * `--peer-client-cert-auth` and `--client-cert-auth`) accept it because the same CA signed it.
 */
export async function ensureMemberCertificate(ctx: ReconcileContext, tls: ClusterTls, cluster: string, namespace: string, member: string): Promise<string> {
  if (tls.shared) return tls.shared;
  const known = tls.revisions.get(member);
  if (known) return known;
  const revision = certificateRevision(await issueMember(ctx, tls, cluster, namespace, member));
  tls.revisions.set(member, revision);
  return revision;
}

/** Your own Secrets: each must exist with ca.crt, tls.crt and tls.key; every member shares their fingerprint. */
async function userTls(ctx: ReconcileContext, secrets: { server: string; peer: string; client: string }, namespace: string, cluster: string, lifetimeMs: number): Promise<ClusterTls> {
  const read = async (field: keyof typeof secrets): Promise<{ ca: string; cert: string; key: string }> => {
    const secret = await ctx.client.get<SecretObject>(refOf(Kinds.Secret, namespace, secrets[field]));
    if (!secret) throw new TlsSecretInvalid(`spec.tls.secrets.${field}: Secret ${namespace}/${secrets[field]} does not exist; create it with ca.crt, tls.crt and tls.key`);
    const [ca, cert, key] = [decoded(secret, 'ca.crt'), decoded(secret, 'tls.crt'), decoded(secret, 'tls.key')];
    const missing = Object.entries({ 'ca.crt': ca, 'tls.crt': cert, 'tls.key': key }).filter(([, v]) => !v).map(([k]) => k);
    if (missing.length) throw new TlsSecretInvalid(`spec.tls.secrets.${field}: Secret ${namespace}/${secrets[field]} has no ${missing.join(', ')}; it needs ca.crt, tls.crt and tls.key`);
    return { ca: ca!, cert: cert!, key: key! };
  };
  const [server, peer, client] = [await read('server'), await read('peer'), await read('client')];
  return {
    client: { ca: client.ca, cert: client.cert, key: client.key, serverName: serviceHost(cluster, namespace) },
    ca: undefined, revisions: new Map(), shared: certificateRevision(server.cert, peer.cert), renewAt: Infinity, lifetimeMs,
  };
}

/** Deletes the certificates of members that are gone: not in etcd's member list, with no pod and no claim. */
export async function pruneMemberSecrets(ctx: ReconcileContext, tls: ClusterTls, namespace: string, observed: Observed): Promise<void> {
  if (tls.shared || !observed.etcd) return;
  const members = new Set(observed.etcd.members.map(memberName));
  for (const member of tls.revisions.keys()) {
    if (members.has(member) || observed.pods.has(member) || observed.claims.has(member)) continue;
    await ctx.client.delete(refOf(Kinds.Secret, namespace, memberSecretName(member))).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    tls.revisions.delete(member);
  }
}
