import fs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { execOrThrow } from './exec.js';

/** A certificate and its private key, as file paths. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** Every credential the local cluster uses, as file paths under one directory. */
export interface Pki {
  dir: string;
  ca: KeyPair;
  apiserver: KeyPair;
  /** The API server's client identity when it calls a node's kubelet endpoint (logs). */
  apiserverKubeletClient: KeyPair;
  admin: KeyPair;
  controllerManager: KeyPair;
  scheduler: KeyPair;
  /** The local node agent's identity (it also provisions volumes, so it is an administrator). */
  nodeAgent: KeyPair;
  /** Serving certificate of the local nodes' kubelet endpoint. */
  kubeletServing: KeyPair;
  /** Service-account token signing key and its public half. */
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

/** Addresses the API server's serving certificate must name. */
export interface PkiOptions {
  /** Extra IPs for the API server certificate (the pod network's gateway). */
  apiserverIps: string[];
}

const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/**
 * Creates a CA and the certificates of every component with `openssl` (ECDSA P-256, fast to make).
 * Client identities carry their groups in O=, as Kubernetes' x509 authenticator expects.
 */
export async function createPki(dir: string, options: PkiOptions): Promise<Pki> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const pair = (name: string): KeyPair => ({ cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) });
  const pki: Pki = {
    dir,
    ca: pair('ca'),
    apiserver: pair('apiserver'),
    apiserverKubeletClient: pair('apiserver-kubelet-client'),
    admin: pair('admin'),
    controllerManager: pair('controller-manager'),
    scheduler: pair('scheduler'),
    nodeAgent: pair('node-agent'),
    kubeletServing: pair('kubelet-serving'),
    serviceAccountKey: path.join(dir, 'sa.key'),
    serviceAccountPublicKey: path.join(dir, 'sa.pub'),
  };
  await execOrThrow('openssl', ['req', '-x509', '-new', '-nodes', ...curve, '-keyout', pki.ca.key, '-out', pki.ca.cert, '-days', '3650',
    '-subj', '/CN=capstan-dev-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);

  const serverSans = ['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local',
    'IP:127.0.0.1', 'IP:10.96.0.1', ...options.apiserverIps.map((ip) => `IP:${ip}`)];
  await Promise.all([
    issue(pki, pki.apiserver, '/CN=kube-apiserver', 'serverAuth', serverSans),
    issue(pki, pki.kubeletServing, '/CN=capstan-kubelet', 'serverAuth', ['DNS:localhost', 'IP:127.0.0.1']),
    issue(pki, pki.apiserverKubeletClient, '/O=system:masters/CN=kube-apiserver-kubelet-client', 'clientAuth'),
    issue(pki, pki.admin, '/O=system:masters/CN=capstan-admin', 'clientAuth'),
    issue(pki, pki.controllerManager, '/CN=system:kube-controller-manager', 'clientAuth'),
    issue(pki, pki.scheduler, '/CN=system:kube-scheduler', 'clientAuth'),
    issue(pki, pki.nodeAgent, '/O=system:masters/CN=capstan-node-agent', 'clientAuth'),
  ]);

  await execOrThrow('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', pki.serviceAccountKey]);
  await execOrThrow('openssl', ['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPublicKey]);
  return pki;
}

async function issue(pki: Pki, pair: KeyPair, subject: string, usage: 'serverAuth' | 'clientAuth', sans: string[] = []): Promise<void> {
  const csr = `${pair.cert}.csr`;
  const ext = `${pair.cert}.ext`;
  await execOrThrow('openssl', ['req', '-new', '-nodes', ...curve, '-keyout', pair.key, '-out', csr, '-subj', subject]);
  const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${usage}`];
  if (sans.length) lines.push(`subjectAltName=${sans.join(',')}`);
  await fs.writeFile(ext, lines.join('\n') + '\n');
  await execOrThrow('openssl', ['x509', '-req', '-in', csr, '-CA', pki.ca.cert, '-CAkey', pki.ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '825', '-out', pair.cert, '-extfile', ext]);
  await fs.rm(csr);
  await fs.rm(ext);
}
