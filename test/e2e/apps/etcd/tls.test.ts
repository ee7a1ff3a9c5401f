import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { EtcdBackupType } from '../../../../apps/etcd/etcd-backup-type.js';
import { issueCertificate } from '../../../../apps/etcd/operator/certificates.js';
import { EtcdClient } from '../../../../apps/etcd/operator/etcd-client.js';
import type { EtcdTls } from '../../../../apps/etcd/operator/etcd-transport.js';
import type { KubeObject } from '../../../../src/k8s/index.js';
import { eventually } from '../../harness.js';
import {
  claimPath, clustersRef, endpoints, type EtcdClusterObject, memberPods, useEtcdOperator, waitReady, Writer,
} from './helpers.js';

const name = 'secure';

/** The fingerprint of the certificate a member serves on `port`, read with the client's own credentials. */
function servedCertificate(ip: string, port: number, creds: EtcdTls): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: ip, port, ca: creds.ca, cert: creds.cert, key: creds.key, servername: creds.serverName }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** A request without a client certificate (the CA is given, so only the missing certificate can fail it). */
function withoutClientCertificate(ip: string, creds: EtcdTls): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: ip, port: 2379, ca: creds.ca, servername: creds.serverName }, () => {
      socket.write('POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    });
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.once('error', reject);
    socket.once('close', () => (answer.startsWith('HTTP/1.1 200') ? resolve(answer) : reject(new Error(`refused: ${answer.slice(0, 80) || 'connection closed'}`))));
  });
}

/** A plaintext HTTP request to a port. */
function plaintext(ip: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: ip, port, method: 'POST', path: '/v3/kv/range', headers: { 'content-type': 'application/json' }, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.end('{}');
  });
}

/**
 * A TLS EtcdCluster on real etcd processes: members serve only https with client certificates
 * required, the operator-issued client certificate works and others are refused, and a renewal
 * restarts every member with a new certificate without a membership change or a lost write.
 */
describe('an EtcdCluster with TLS', () => {
  const { ns, client, operatorLog } = useEtcdOperator('etcd-tls');
  let creds: EtcdTls;
  let mtls: EtcdClient;

  const secret = async (secretName: string): Promise<Record<string, string>> => {
    const s = await client.get<KubeObject & { data: Record<string, string> }>({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name, name: secretName });
    return Object.fromEntries(Object.entries(s!.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  };

  it('becomes Available with 3 voters on https peer and client URLs', async () => {
    await client.create(clustersRef(ns.name), {
      apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name }, spec: { size: 3, version: '3.6.16', tls: { certificateDuration: '2m' } },
    });
    const cluster = await waitReady(client, ns.name, name, 3, 150_000);
    expect(cluster.status!.conditions!.find((c) => c.type === 'Available')!.status).toBe('True');
    for (const m of cluster.status!.members!) {
      expect(m.peerURL).toMatch(/^https:\/\//);
      expect(m.clientURL).toMatch(/^https:\/\//);
    }
    const issued = await secret(`${name}-client-tls`);
    creds = { ca: issued['ca.crt']!, cert: issued['tls.crt']!, key: issued['tls.key']!, serverName: `${name}.${ns.name}.svc` };
    mtls = new EtcdClient(3000, creds);
  }, 180_000);

  it('serves a client with the operator-issued certificate, on every member', async () => {
    const eps = [...(await endpoints(client, ns.name, name, 'https')).values()];
    const { revision } = await mtls.put(eps[0]!, 'tls/hello', 'world');
    for (const endpoint of eps) {
      const read = await eventually(`tls/hello on ${endpoint}`, async () => {
        const r = await mtls.rangePrefix(endpoint, 'tls/', true);
        return BigInt(r.revision) >= BigInt(revision) && r;
      }, 10_000);
      expect(read.kvs.get('tls/hello')).toBe('world');
    }
  });

  it('takes a backup over mTLS whose sha256 matches the file in the claim', async () => {
    await client.create({ group: EtcdBackupType.group, version: EtcdBackupType.version, resource: EtcdBackupType.plural, namespace: ns.name }, {
      apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdBackup', metadata: { name: 'over-tls' }, spec: { clusterName: name, claimName: 'tls-snapshots' },
    } as KubeObject);
    const done = await eventually('the backup over mTLS to complete', async () => {
      const b = await client.get<typeof EtcdBackupType.types.object & KubeObject>({ group: EtcdBackupType.group, version: EtcdBackupType.version, resource: EtcdBackupType.plural, namespace: ns.name, name: 'over-tls' });
      if (b?.status?.phase === 'Failed') throw new Error(`backup failed: ${JSON.stringify(b.status.conditions)}`);
      return b?.status?.phase === 'Completed' && b;
    }, 60_000);
    expect(done.status!.keys).toBeGreaterThanOrEqual(1);
    const bytes = fs.readFileSync(path.join(await claimPath(client, ns.name, 'tls-snapshots'), 'over-tls.db'));
    expect(done.status!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('refuses plaintext on the client and peer ports, a client without a certificate, and a certificate from another CA', async () => {
    const ips = [...(await memberPods(client, ns.name, name)).values()].map((p) => p.status!.podIP!);
    for (const ip of ips) {
      await expect(plaintext(ip, 2379)).rejects.toThrow();
      await expect(plaintext(ip, 2380)).rejects.toThrow();
      await expect(withoutClientCertificate(ip, creds)).rejects.toThrow(/refused|alert|certificate|reset|closed/i);
    }
    const otherCa = issueCertificate({ commonName: 'another CA', isCA: true, lifetimeMs: 3600_000 });
    const foreign = issueCertificate({ commonName: 'intruder', usages: ['client'], lifetimeMs: 3600_000 }, otherCa);
    const intruder = new EtcdClient(3000, { ...creds, cert: foreign.cert, key: foreign.key });
    await expect(intruder.put(`https://${ips[0]}:2379`, 'tls/intruder', 'x')).rejects.toThrow(/etcd https:/);
    const after = await mtls.rangePrefix(`https://${ips[0]}:2379`, 'tls/');
    expect([...after.kvs.keys()]).toEqual(['tls/hello']);
  });

  it('renews certificates by restarting members one at a time: same member ids, new served certificates, no acknowledged write lost', async () => {
    const before = await client.get<EtcdClusterObject>(clustersRef(ns.name, name));
    const ids = before!.status!.members!.map((m) => m.id).sort();
    const pods = await memberPods(client, ns.name, name);
    const served = new Map(await Promise.all([...pods].map(async ([member, p]) => [member, await servedCertificate(p.status!.podIP!, 2379, creds)] as const)));
    const uids = new Map([...pods].map(([member, p]) => [member, p.metadata.uid!]));

    const writer = new Writer(client, ns.name, name, 'renewal', creds);
    writer.start();
    let most = 0;
    let fewestHealthy = 3;
    await eventually('every member to serve a renewed certificate from a new pod', async () => {
      const now = await memberPods(client, ns.name, name);
      const c = await client.get<EtcdClusterObject>(clustersRef(ns.name, name));
      most = Math.max(most, c?.status?.members?.length ?? 0);
      fewestHealthy = Math.min(fewestHealthy, c?.status?.members?.filter((m) => m.healthy).length ?? 0);
      for (const [member, p] of now) {
        if (p.metadata.uid === uids.get(member) || !p.status?.podIP) return false;
        const cert = await servedCertificate(p.status.podIP, 2379, creds).catch(() => undefined);
        if (!cert || cert === served.get(member)) return false;
      }
      return now.size === 3;
    }, 170_000, 2000);
    await writer.stop();
    // Renewal never stops with two-minute certificates, so the cluster is not waited Ready: members are read as etcd reports them.
    const after = await eventually('3 healthy voting members', async () => {
      const c = await client.get<EtcdClusterObject>(clustersRef(ns.name, name));
      return c?.status?.members?.filter((m) => m.healthy && !m.learner).length === 3 && c;
    }, 60_000);
    expect(after.status!.members!.map((m) => m.id).sort()).toEqual(ids);
    expect(most).toBe(3);
    expect(fewestHealthy).toBeGreaterThanOrEqual(2); // one member at a time
    expect(writer.acknowledged.length).toBeGreaterThan(50);
    const lost = await eventually('a linearizable read of every acknowledged key', async () => {
      for (const endpoint of (await endpoints(client, ns.name, name, 'https')).values()) {
        const missing = await writer.lost(endpoint).catch(() => undefined);
        if (missing) return missing;
      }
      return undefined;
    }, 30_000);
    expect(lost).toEqual([]);
    const renewals = await client.list<KubeObject & { reason?: string }>({ group: '', version: 'v1', resource: 'events', namespace: ns.name });
    expect(renewals.items.filter((e) => e.reason === 'RenewingCertificate').length).toBeGreaterThanOrEqual(3);
  }, 260_000);

  it('never prints a private key: not in the status, the events or the operator log', async () => {
    const cluster = await client.get<EtcdClusterObject>(clustersRef(ns.name, name));
    const events = await client.list({ group: '', version: 'v1', resource: 'events', namespace: ns.name });
    for (const text of [JSON.stringify(cluster!.status), JSON.stringify(events.items), fs.readFileSync(operatorLog(), 'utf8')]) {
      expect(text).not.toMatch(/PRIVATE KEY/);
      expect(text).not.toContain(creds.key.split('\n')[1]!);
    }
  });

  it('refuses turning TLS off on the running cluster, naming spec.tls, and touches no pod', async () => {
    await client.patch(clustersRef(ns.name, name), 'merge', { spec: { tls: null } });
    const stalled = await eventually('the change to be Stalled', async () => {
      const c = await client.get<EtcdClusterObject>(clustersRef(ns.name, name));
      const s = c?.status?.conditions?.find((x) => x.type === 'Stalled' && x.status === 'True');
      return s?.observedGeneration === c?.metadata.generation && s;
    }, 30_000);
    expect(stalled.message).toMatch(/^spec\.tls: the cluster was created with TLS, which cannot be turned off/);
    // Renewals roll members all along (two-minute certificates): compare from the moment of the refusal.
    const pods = await eventually('no member pod terminating', async () => {
      const p = await memberPods(client, ns.name, name);
      return [...p.values()].every((x) => !x.metadata.deletionTimestamp) && p;
    }, 40_000);
    await new Promise((r) => setTimeout(r, 6000));
    const now = await memberPods(client, ns.name, name);
    expect([...now].map(([m, p]) => [m, p.metadata.uid])).toEqual([...pods].map(([m, p]) => [m, p.metadata.uid]));
    await client.delete(clustersRef(ns.name, name));
    await eventually('the issued Secrets to go with the cluster', async () => (await client.list({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, { labelSelector: `app.kubernetes.io/instance=${name}` })).items.length === 0, 30_000);
  });

  it('runs on your own Secrets: wildcard member certificates from your CA, your client certificate, and an upgrade to 3.7 with a writer running', async () => {
    const own = 'own';
    const ca = issueCertificate({ commonName: 'my CA', isCA: true, lifetimeMs: 86_400_000 });
    const hosts = [`*.${own}-peer.${ns.name}.svc`, `${own}.${ns.name}.svc`];
    const server = issueCertificate({ commonName: 'etcd server', hosts, usages: ['server', 'client'], lifetimeMs: 86_400_000 }, ca);
    const peer = issueCertificate({ commonName: 'etcd peer', hosts, usages: ['server', 'client'], lifetimeMs: 86_400_000 }, ca);
    const mine = issueCertificate({ commonName: 'me', usages: ['client'], lifetimeMs: 86_400_000 }, ca);
    for (const [secretName, pair] of [['my-server', server], ['my-peer', peer], ['my-client', mine]] as const) {
      await client.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, {
        apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName }, stringData: { 'ca.crt': ca.cert, 'tls.crt': pair.cert, 'tls.key': pair.key },
      } as KubeObject);
    }
    await client.create(clustersRef(ns.name), {
      apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name: own },
      spec: { size: 3, version: '3.6.16', tls: { secrets: { server: 'my-server', peer: 'my-peer', client: 'my-client' } } },
    });
    await waitReady(client, ns.name, own, 3, 150_000);
    const mineClient = new EtcdClient(3000, { ca: ca.cert, cert: mine.cert, key: mine.key, serverName: `${own}.${ns.name}.svc` });
    const eps = [...(await endpoints(client, ns.name, own, 'https')).values()];
    await mineClient.put(eps[0]!, 'own/key', 'v');
    for (const endpoint of eps) {
      const read = await eventually(`own/key on ${endpoint}`, async () => (await mineClient.rangePrefix(endpoint, 'own/', true)).kvs.get('own/key') === 'v', 10_000);
      expect(read).toBe(true);
    }
    // The operator-issued client certificate of the other cluster is from another CA: refused here.
    await expect(mtls.put(eps[0]!, 'own/intruder', 'x')).rejects.toThrow(/etcd https:/);
    const issued = await client.list({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, { labelSelector: `app.kubernetes.io/instance=${own}` });
    expect(issued.items).toEqual([]);

    // An upgrade keeps TLS: 3.7 renders the same TLS flags and peers still authenticate each other.
    const writer = new Writer(client, ns.name, own, 'upgrade', { ca: ca.cert, cert: mine.cert, key: mine.key, serverName: `${own}.${ns.name}.svc` });
    writer.start();
    await client.patch(clustersRef(ns.name, own), 'merge', { spec: { version: '3.7.3' } });
    await eventually('the TLS cluster to run 3.7.3', async () => {
      const c = await client.get<EtcdClusterObject>(clustersRef(ns.name, own));
      const ready = c?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status?.currentVersion === '3.7.3' && ready?.status === 'True' && ready.observedGeneration === c.metadata.generation;
    }, 90_000);
    await writer.stop();
    expect(writer.acknowledged.length).toBeGreaterThan(20);
    expect(await writer.lost([...(await endpoints(client, ns.name, own, 'https')).values()][0]!)).toEqual([]);
    await client.delete(clustersRef(ns.name, own));
  }, 200_000);
});
