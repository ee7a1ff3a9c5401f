import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateRevision, issueCertificate, renewalTime } from '../../../../apps/etcd/operator/certificates.js';
import { namedBits, oid, unsignedInteger } from '../../../../apps/etcd/operator/der.js';
import { parseDuration } from '../../../../apps/etcd/operator/tls.js';

describe('DER encoders', () => {
  it.each([
    ['an OID with multi-byte arcs', oid('1.2.840.10045.4.3.2'), '06082a8648ce3d040302'],
    ['an INTEGER whose high bit is set', unsignedInteger(Buffer.from([0x80])), '02020080'],
    ['an INTEGER with leading zeros', unsignedInteger(Buffer.from([0, 0, 5])), '020105'],
    ['key usage bits 0, 5, 6 (padding bits zero)', namedBits([0, 5, 6]), '03020186'],
    ['key usage bit 0 alone', namedBits([0]), '03020780'],
  ])('encodes %s', (_, der, hex) => {
    expect(der.toString('hex')).toBe(hex);
  });
});

describe('issueCertificate', () => {
  const ca = issueCertificate({ commonName: 'ns/c etcd CA', isCA: true, lifetimeMs: 3650 * 86_400_000 });
  const member = issueCertificate({ commonName: 'c-abcde', hosts: ['c-abcde.c-peer.ns.svc', 'c.ns.svc', '127.0.0.1'], usages: ['server', 'client'], lifetimeMs: 3_600_000 }, ca);

  it('makes a CA that signs a member certificate naming its hosts, for server and client auth', () => {
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(member.cert);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:c-abcde.c-peer.ns.svc, DNS:c.ns.svc, IP Address:127.0.0.1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.issuer).toBe(caCert.subject);
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(3_500_000);
  });

  it('is not issued by another CA', () => {
    const other = issueCertificate({ commonName: 'ns/c etcd CA', isCA: true, lifetimeMs: 86_400_000 });
    expect(new X509Certificate(member.cert).verify(new X509Certificate(other.cert).publicKey)).toBe(false);
  });

  it('renews two thirds into the lifetime, and fingerprints only certificates', () => {
    const at = renewalTime(member.cert);
    expect(at - Date.now()).toBeGreaterThan(2_300_000);
    expect(at - Date.now()).toBeLessThan(2_500_000);
    expect(certificateRevision(member.cert)).toMatch(/^[0-9a-f]{16}$/);
    expect(certificateRevision(member.cert)).not.toBe(certificateRevision(ca.cert));
  });

  it.each([['8760h', 8760 * 3_600_000], ['90m', 5_400_000], ['1h30m', 5_400_000], ['150s', 150_000]])('reads the duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
