import { describe, expect, it } from 'vitest';
import { checkSignature, hmacSha256, pushedBranch } from '../../../src/agent/index.js';

const token = 'shared-secret-token';
const body = Buffer.from('{"ref":"refs/heads/main"}');
const hmac = hmacSha256(token, body);

describe('webhook signatures', () => {
  it.each([
    ['GitHub', { 'x-hub-signature-256': `sha256=${hmac}` }, 'github'],
    ['GitHub, upper-case hex', { 'x-hub-signature-256': `sha256=${hmac.toUpperCase()}` }, 'github'],
    ['GitLab', { 'x-gitlab-token': token }, 'gitlab'],
    ['Gitea', { 'x-gitea-signature': hmac }, 'gitea'],
    ['Forgejo', { 'x-forgejo-signature': hmac }, 'forgejo'],
    ['generic', { 'x-capstan-signature': `sha256=${hmac}` }, 'generic'],
  ])('accepts a valid %s delivery', (_name, headers, provider) => {
    expect(checkSignature(headers, body, token)).toEqual({ ok: true, provider });
  });

  it.each([
    ['GitHub with another token', { 'x-hub-signature-256': `sha256=${hmacSha256('other', body)}` }],
    ['GitHub without the sha256= prefix', { 'x-hub-signature-256': hmac }],
    ['GitHub over another body', { 'x-hub-signature-256': `sha256=${hmacSha256(token, 'other body')}` }],
    ['GitLab with another token', { 'x-gitlab-token': 'shared-secret-tokeN' }],
    ['GitLab with an empty token', { 'x-gitlab-token': '' }],
    ['Gitea with a truncated digest', { 'x-gitea-signature': hmac.slice(0, 40) }],
    ['generic with sha1', { 'x-capstan-signature': `sha1=${hmac.slice(0, 40)}` }],
  ])('refuses %s as a mismatch', (_name, headers) => {
    expect(checkSignature(headers, body, token)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a delivery without any signature header as missing', () => {
    expect(checkSignature({ 'x-github-event': 'push' }, body, token)).toEqual({ ok: false, reason: 'missing' });
  });

  it('reads the pushed branch of GitHub, GitLab and Gitea bodies, and nothing of others', () => {
    expect(pushedBranch(Buffer.from('{"ref":"refs/heads/release/1.2"}'))).toBe('release/1.2');
    expect(pushedBranch(Buffer.from('{"ref":"refs/tags/v1"}'))).toBeUndefined();
    expect(pushedBranch(Buffer.from('not json'))).toBeUndefined();
    expect(pushedBranch(Buffer.from(''))).toBeUndefined();
  });
});
