import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/k8s/index.js';
import { SigningKeys, type GitSigning } from '../../fixtures/signing-keys.js';
import { eventually, useNamespace } from '../harness.js';
import { condition, configMap, installSyncCrd, startPodAgent, syncRef, TestRepository, type PodAgent, type SyncObject } from './helpers.js';

const ns = useNamespace('agent-verify');
const repo = new TestRepository();
let agent: PodAgent;
let trusted: SigningKeys;
let stranger: SigningKeys;
let applied = '';

const cm = (name: string) => ns.client.get<KubeObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'configmaps', namespace: ns.name, name });
const getSync = (name: string) => ns.client.get<SyncObject>(syncRef(ns.name, name));

async function createSync(name: string, spec: Record<string, unknown>): Promise<void> {
  await ns.client.create(syncRef(ns.name), {
    apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', metadata: { name, namespace: ns.name },
    spec: { url: repo.url('host.capstan.internal'), interval: '2s', timeout: '1m', secretRef: { name: 'git' }, ...spec },
  });
}

/** Waits until Sync `name` applied `sha` and is Ready. */
function appliedBy(name: string, sha: string): Promise<SyncObject> {
  return eventually(`Sync ${name} to apply ${sha.slice(0, 8)}`, async () => {
    const s = await getSync(name);
    if (s?.status?.lastAppliedRevision === sha && condition(s, 'Ready')?.status === 'True') return s;
    throw new Error(`Ready is ${JSON.stringify(condition(s, 'Ready'))}`);
  }, 30_000);
}

/** Waits until Sync `name` refused `sha`. */
function refused(name: string, sha: string): Promise<SyncObject> {
  return eventually(`Sync ${name} to refuse ${sha.slice(0, 8)}`, async () => {
    const s = await getSync(name);
    if (s?.status?.lastAttemptedRevision === sha && condition(s, 'Ready')?.reason === 'VerificationFailed') return s;
    throw new Error(`Ready is ${JSON.stringify(condition(s, 'Ready'))}`);
  }, 30_000);
}

beforeAll(async () => {
  [trusted, stranger] = await Promise.all([SigningKeys.create('release'), SigningKeys.create('stranger')]);
  await installSyncCrd(ns.client);
  await repo.start('0.0.0.0');
  agent = await startPodAgent(ns.client, ns.name);
  const secret = (name: string, data: Record<string, string>) => ns.client.create({ group: '', version: 'v1', resource: 'secrets', namespace: ns.name }, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data,
  });
  await secret('git', { username: 'capstan', password: repo.password });
  await secret('signers', { 'release.asc': trusted.gpgPublicKey, allowed_signers: trusted.allowedSigners });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await repo.dispose();
  await trusted?.dispose();
  await stranger?.dispose();
});

describe('signature verification of the commit (mode HEAD)', () => {
  it('accepts a GPG-signed commit', async () => {
    applied = await repo.commit('gpg signed', { 'dist/app.yaml': configMap('signed', { v: '1' }) }, trusted.gpg);
    await createSync('head', { verify: { secretRef: { name: 'signers' } } });
    await appliedBy('head', applied);
    expect((await cm('signed'))?.data).toEqual({ v: '1' });
  });

  it('accepts an SSH-signed commit', async () => {
    applied = await repo.commit('ssh signed', { 'dist/app.yaml': configMap('signed', { v: '2' }) }, trusted.ssh);
    await appliedBy('head', applied);
    expect((await cm('signed'))?.data).toEqual({ v: '2' });
  });

  it.each([
    ['an unsigned commit', undefined, /^commit [0-9a-f]{12} is not signed/],
    ['a commit signed with an unknown GPG key', (): GitSigning => stranger.gpg, /^commit [0-9a-f]{12} is signed with GPG key [0-9A-F]{16}, which is not among the keys of Secret agent-verify-\w+\/signers$/],
    ['a commit signed with an unknown SSH key', (): GitSigning => stranger.ssh, /^commit [0-9a-f]{12} is signed with an SSH key that is not in the allowed_signers of Secret/],
  ])('refuses %s with VerificationFailed, applies nothing of it and keeps the last revision', async (_what, sign, message) => {
    const sha = await repo.commit('not trusted', { 'dist/app.yaml': `${configMap('signed', { v: 'untrusted' })}---\n${configMap('extra', { v: '1' })}` }, sign?.());
    const sync = await refused('head', sha);
    expect(condition(sync, 'Stalled')).toMatchObject({ status: 'True', reason: 'VerificationFailed' });
    expect(condition(sync, 'Ready')?.message).toMatch(message);
    expect(condition(sync, 'Ready')?.message).toContain(sha.slice(0, 12));
    expect(condition(sync, 'Ready')?.message).not.toContain('BEGIN');
    expect(sync.status?.lastAppliedRevision).toBe(applied);
    expect((await cm('signed'))?.data).toEqual({ v: '2' });
    expect(await cm('extra')).toBeUndefined();
  });

  it('applies the next trusted commit after refused ones', async () => {
    applied = await repo.commit('trusted again', { 'dist/app.yaml': configMap('signed', { v: '3' }) }, trusted.gpg);
    const sync = await appliedBy('head', applied);
    expect(condition(sync, 'Stalled')?.status).toBe('False');
    expect((await cm('signed'))?.data).toEqual({ v: '3' });
  });
});

describe('a semver range with tag verification (mode tag)', () => {
  it('applies the highest tag in the range when its annotated tag is signed', async () => {
    await repo.commit('one', { 'dist/app.yaml': configMap('signed', { v: '3' }), 'release/app.yaml': configMap('release', { v: '1.0.0' }) });
    await repo.tag('v1.0.0', { sign: trusted.gpg });
    const v12 = await repo.commit('one two', { 'release/app.yaml': configMap('release', { v: '1.2.0' }) });
    await repo.tag('v1.2.0', { sign: trusted.ssh });
    await repo.commit('two', { 'release/app.yaml': configMap('release', { v: '2.0.0' }) });
    await repo.tag('v2.0.0', { sign: trusted.gpg });
    await createSync('release', { ref: { semver: '>=1.0 <2' }, path: 'release', verify: { mode: 'tag', secretRef: { name: 'signers' } } });
    const sync = await appliedBy('release', v12);
    expect(condition(sync, 'Ready')?.message).toBe(`applied revision v1.2.0@sha1:${v12.slice(0, 12)}`);
    expect((await cm('release'))?.data).toEqual({ v: '1.2.0' });
  });

  it('refuses a newer tag in the range that is not signed, and keeps the last one', async () => {
    const v13 = await repo.commit('one three', { 'release/app.yaml': configMap('release', { v: '1.3.0' }) });
    await repo.tag('v1.3.0');
    const sync = await refused('release', v13);
    expect(condition(sync, 'Ready')?.message).toMatch(/^tag v1\.3\.0 \(commit [0-9a-f]{12}\) is not signed/);
    expect((await cm('release'))?.data).toEqual({ v: '1.2.0' });
  });
});
