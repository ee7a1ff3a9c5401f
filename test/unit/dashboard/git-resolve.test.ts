import { describe, expect, it } from 'vitest';
import { withResolve } from '../../../src/dashboard/git-resolve.js';

const aliases = { 'host.capstan.internal': '10.201.0.1' };

describe('withResolve', () => {
  it('adds http.curloptResolve for an aliased host, after the credentials\' own config entries', () => {
    const auth = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: 'Authorization: Basic x' };
    expect(withResolve(auth, 'http://host.capstan.internal:34319/app.git', aliases)).toEqual({
      ...auth, GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_1: 'http.curloptResolve', GIT_CONFIG_VALUE_1: 'host.capstan.internal:34319:10.201.0.1',
    });
    expect(withResolve({}, 'https://host.capstan.internal/app.git', aliases)).toEqual({
      GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.curloptResolve', GIT_CONFIG_VALUE_0: 'host.capstan.internal:443:10.201.0.1',
    });
  });

  it.each([
    ['another host', 'http://example.com/app.git'],
    ['SSH', 'ssh://git@host.capstan.internal/app.git'],
    ['scp-style SSH', 'git@host.capstan.internal:app.git'],
  ])('leaves %s alone', (_name, url) => {
    expect(withResolve({ A: 'b' }, url, aliases)).toEqual({ A: 'b' });
  });
});
