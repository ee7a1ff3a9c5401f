import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString, boolean, explicit, implicit, namedBits, octetString, oid, sequence, set, smallInteger, time, unsignedInteger, utf8String,
} from './der.js';

/**
 * X.509 certificates for etcd's TLS, made with Node's own crypto: it generates the keys (ECDSA P-256),
 * signs, and parses certificates back (`X509Certificate`); only the certificate's DER body is built
 * here (`der.ts`). The certificates are of one fixed shape, so a general library (@peculiar/x509
 * with its tsyringe and reflect-metadata dependencies, or node-forge, whose certificate signing is
 * RSA-only in JavaScript) would add a dependency to the operator's image for one function.
 */

/** A certificate and its private key, both PEM. */
export interface IssuedCertificate {
  cert: string;
  key: string;
}

/** What a certificate is for. */
export interface CertificateRequest {
  commonName: string;
  /** DNS names and IP addresses of the subject alternative name. */
  hosts?: readonly string[];
  /** `server` and `client` extended key usages; none for a CA. */
  usages?: readonly ('server' | 'client')[];
  /** Lifetime in ms from now. */
  lifetimeMs: number;
  /** @default a leaf certificate */
  isCA?: boolean;
}

const oids = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Key usage bits (RFC 5280 §4.2.1.3). */
const keyUsageBits = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** How far back a certificate's validity starts, so a peer whose clock runs a little behind accepts it. */
const backdateMs = 5 * 60_000;

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid(oids.organization), utf8String('capstan-etcd'))), set(sequence(oid(oids.commonName), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function subjectAltName(hosts: readonly string[]): Buffer {
  return sequence(...hosts.map((h) => {
    if (isIP(h) === 4) return implicit(7, Buffer.from(h.split('.').map(Number)));
    if (isIP(h)) throw new Error(`certificate host ${h}: only IPv4 addresses are supported`);
    return implicit(2, Buffer.from(h, 'ascii'));
  }));
}

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Issues a certificate for `request`, signed by `issuer` (a CA this module issued), or self-signed
 * when there is none.
 */
export function issueCertificate(request: CertificateRequest, issuer?: IssuedCertificate): IssuedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issuerCert = issuer ? new X509Certificate(issuer.cert) : undefined;
  const signingKey = issuer ? createPrivateKey(issuer.key) : privateKey;
  const issuerName = issuerCert ? issuerSubject(issuerCert) : name(request.commonName);
  const authorityKey = issuerCert ? keyId(issuerCert.publicKey) : keyId(publicKey);
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;

  const extensions = [
    extension(oids.basicConstraints, true, request.isCA ? sequence(boolean(true)) : sequence()),
    extension(oids.keyUsage, true, namedBits(request.isCA
      ? [keyUsageBits.digitalSignature, keyUsageBits.keyCertSign, keyUsageBits.cRLSign]
      : [keyUsageBits.digitalSignature, keyUsageBits.keyEncipherment])),
    ...(request.usages?.length ? [extension(oids.extKeyUsage, false, sequence(...request.usages.map((u) => oid(u === 'server' ? oids.serverAuth : oids.clientAuth))))] : []),
    ...(request.hosts?.length ? [extension(oids.subjectAltName, false, subjectAltName(request.hosts))] : []),
    extension(oids.subjectKeyIdentifier, false, octetString(keyId(publicKey))),
    extension(oids.authorityKeyIdentifier, false, sequence(implicit(0, authorityKey))),
  ];
  const algorithm = sequence(oid(oids.ecdsaWithSha256));
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    issuerName,
    sequence(time(new Date(now - backdateMs)), time(new Date(now + request.lifetimeMs))),
    name(request.commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, signingKey);
  return {
    cert: pem('CERTIFICATE', sequence(tbs, algorithm, bitString(signature))),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The issuer's subject exactly as encoded in its certificate, so chains match byte for byte. */
function issuerSubject(cert: X509Certificate): Buffer {
  // Certificate → TBSCertificate → [version, serial, signature algorithm, issuer, validity, subject, …]
  const tbs = children(children(cert.raw)[0]!);
  return tbs[5]!;
}

/** The encoded children of a DER SEQUENCE. */
function children(der: Buffer): Buffer[] {
  const body = contents(der);
  const out: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const { headerLength, valueLength } = header(body.subarray(at));
    out.push(body.subarray(at, at + headerLength + valueLength));
    at += headerLength + valueLength;
  }
  return out;
}

function contents(der: Buffer): Buffer {
  const { headerLength, valueLength } = header(der);
  return der.subarray(headerLength, headerLength + valueLength);
}

function header(der: Buffer): { headerLength: number; valueLength: number } {
  const first = der[1]!;
  if (first < 0x80) return { headerLength: 2, valueLength: first };
  const count = first & 0x7f;
  let valueLength = 0;
  for (let i = 0; i < count; i++) valueLength = valueLength * 256 + der[2 + i]!;
  return { headerLength: 2 + count, valueLength };
}

/** When a certificate should be replaced: two thirds into its lifetime. */
export function renewalTime(certPem: string): number {
  const cert = new X509Certificate(certPem);
  const from = Date.parse(cert.validFrom) + backdateMs;
  const to = Date.parse(cert.validTo);
  return from + ((to - from) * 2) / 3;
}

/** A short, stable fingerprint of certificates (never of a key), for telling which ones a pod runs with. */
export function certificateRevision(...certPems: string[]): string {
  return createHash('sha256').update(certPems.join('')).digest('hex').slice(0, 16);
}
