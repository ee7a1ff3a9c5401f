import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadInCluster, loadKubeConfig } from '../../../src/k8s/config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

const first = write('first.yaml', `
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster: {server: https://127.0.0.1:6443, certificate-authority: ca.crt}
users:
- name: admin
  user: {client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key: keys/admin.key}
contexts:
- name: dev
  context: {cluster: dev, user: admin, namespace: shop}
`);
const second = write('second.yaml', `
current-context: ignored
clusters:
- name: dev
  cluster: {server: https://shadowed:1}
- name: prod
  cluster: {server: https://prod.example:443, insecure-skip-tls-verify: true}
users:
- name: robot
  user: {token: abc}
- name: sso
  user: {exec: {command: login-helper, apiVersion: client.authentication.k8s.io/v1}}
contexts:
- name: prod
  context: {cluster: prod, user: robot}
- name: sso
  context: {cluster: prod, user: sso}
`);
write('ca.crt', 'CA');
fs.mkdirSync(path.join(dir, 'keys'));
write('keys/admin.key', 'KEY');

describe('kubeconfig loading', () => {
  const saved = process.env.KUBECONFIG;
  afterEach(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });

  it('resolves the current context with paths relative to the file', () => {
    const access = loadKubeConfig({ kubeconfig: first });
    expect(access).toMatchObject({ server: 'https://127.0.0.1:6443', namespace: 'shop', ca: 'CA', caFile: path.join(dir, 'ca.crt'), cert: 'CERT', key: 'KEY' });
    expect(access.delegate).toBeUndefined();
  });

  it('merges KUBECONFIG files, the first definition of a name winning', () => {
    process.env.KUBECONFIG = [first, second].join(path.delimiter);
    expect(loadKubeConfig().server).toBe('https://127.0.0.1:6443');
    expect(loadKubeConfig({ context: 'prod' })).toMatchObject({ server: 'https://prod.example:443', token: 'abc', insecureSkipTlsVerify: true, namespace: 'default' });
  });

  it('hands exec plugins to the full loader', () => {
    expect(loadKubeConfig({ kubeconfig: second, context: 'sso' }).delegate).toEqual({ file: second, context: 'sso' });
  });

  it('names the contexts it knows when asked for another', () => {
    expect(() => loadKubeConfig({ kubeconfig: first, context: 'nope' })).toThrow('context "nope" is not in kubeconfig');
    expect(() => loadKubeConfig({ kubeconfig: first, context: 'nope' })).toThrow('(contexts: dev)');
    expect(() => loadKubeConfig({ kubeconfig: path.join(dir, 'missing.yaml') })).toThrow('does not exist');
  });

  it('reads a pod service account', () => {
    const sa = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-'));
    fs.writeFileSync(path.join(sa, 'token'), 'tok');
    fs.writeFileSync(path.join(sa, 'ca.crt'), 'CA');
    fs.writeFileSync(path.join(sa, 'namespace'), 'ops');
    const env = { ...process.env };
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      expect(loadInCluster(sa)).toEqual({ server: 'https://10.96.0.1:443', namespace: 'ops', ca: 'CA', caFile: path.join(sa, 'ca.crt'), tokenFile: path.join(sa, 'token') });
    } finally {
      process.env = env;
    }
  });
});
