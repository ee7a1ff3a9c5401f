import { describe, expect, it } from 'vitest';
import { highestInRange, InvalidRangeError, parseRemoteTags } from '../../../src/agent/git/tags.js';

const c = (n: number) => String(n).repeat(40);
const lsRemote = [
  `${c(1)}\trefs/tags/v1.0.0`,
  `${c(2)}\trefs/tags/v1.2.0`,
  `${c(3)}\trefs/tags/v1.2.0^{}`,
  `${c(4)}\trefs/tags/release-7`,
  '',
].join('\n');

describe('remote tags', () => {
  it('are read from ls-remote --tags, annotated ones peeled to their commit', () => {
    const tags = parseRemoteTags(lsRemote);
    expect([...tags.keys()]).toEqual(['v1.0.0', 'v1.2.0', 'release-7']);
    expect(tags.get('v1.0.0')).toEqual({ name: 'v1.0.0', object: c(1), commit: c(1), annotated: false });
    expect(tags.get('v1.2.0')).toEqual({ name: 'v1.2.0', object: c(2), commit: c(3), annotated: true });
  });
});

describe('the highest tag in a semver range', () => {
  const names = ['v1.0.0', 'v1.2.0', '1.2.5', 'v1.10.1', 'v2.0.0', 'v2.1.0-rc.1', 'release-7', 'latest'];
  it.each([
    ['>=1.2 <2', 'v1.10.1'],
    ['^1.2.0', 'v1.10.1'],
    ['~1.2', '1.2.5'],
    ['1.0.x', 'v1.0.0'],
    ['>=2', 'v2.0.0'],
    ['>=2.1.0-rc.0', 'v2.1.0-rc.1'],
    ['*', 'v2.0.0'],
    ['>=3', undefined],
  ])('%s picks %s (numeric order, pre-releases only when the range names one, other names ignored)', (range, expected) => {
    expect(highestInRange(names, range)).toBe(expected);
  });

  it('picks the same name for equal versions, whatever the order', () => {
    expect(highestInRange(['v1.0.0', '1.0.0'], '1.x')).toBe('1.0.0');
    expect(highestInRange(['1.0.0', 'v1.0.0'], '1.x')).toBe('1.0.0');
  });

  it('refuses what is not a range, naming the field', () => {
    expect(() => highestInRange(names, 'not a range!')).toThrow(InvalidRangeError);
    expect(() => highestInRange(names, 'not a range!')).toThrow(/spec\.ref\.semver "not a range!" is not a semver range/);
  });
});
