import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { cookieName, hostAllowed, presentedToken } from '../../../src/dashboard/access.js';
import { newToken, tokenMatches } from '../../../src/dashboard/token.js';

const req = (headers: Record<string, string>): http.IncomingMessage => ({ headers } as unknown as http.IncomingMessage);
const url = (q = '') => new URL(`http://127.0.0.1:7420/api/syncs${q}`);

describe('dashboard token', () => {
  it('is 64 hex characters and new each time', () => {
    const a = newToken();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newToken()).not.toBe(a);
  });

  it.each([
    ['the same token', 'abc', true],
    ['another token of the same length', 'abd', false],
    ['a prefix', 'ab', false],
    ['a longer string', 'abcd', false],
    ['the empty string', '', false],
    ['nothing', undefined, false],
  ])('matches %s: %s', (_name, given, expected) => {
    expect(tokenMatches(given, 'abc')).toBe(expected);
  });
});

describe('presentedToken', () => {
  const token = 'f'.repeat(64);
  it.each([
    ['X-Capstan-Token header', { 'x-capstan-token': token }, '', 'header'],
    ['bearer header', { authorization: `Bearer ${token}` }, '', 'header'],
    ['cookie of this port', { cookie: `other=1; ${cookieName(7420)}=${token}` }, '', 'cookie'],
    ['query', {}, `?token=${token}`, 'query'],
    ['cookie of another port', { cookie: `${cookieName(7421)}=${token}` }, '', undefined],
    ['wrong header', { 'x-capstan-token': 'e'.repeat(64) }, '', undefined],
    ['wrong query', {}, '?token=nope', undefined],
    ['nothing', {}, '', undefined],
  ])('%s', (_name, headers, query, expected) => {
    expect(presentedToken(req(headers as Record<string, string>), url(query), token, 7420)).toBe(expected);
  });
});

describe('hostAllowed', () => {
  it.each([
    ['127.0.0.1:7420', true], ['localhost:7420', true], ['127.0.0.1:80', false], ['evil.example:7420', false], [undefined, false],
  ])('%s → %s', (host, expected) => {
    expect(hostAllowed(host, 7420)).toBe(expected);
  });
});
