import { describe, expect, it } from 'vitest';
import { isManifestFile, repositoryPath, resolveSymlink, UnsafePathError } from '../../../src/agent/git/paths.js';
import { redact } from '../../../src/agent/index.js';

describe('repository paths', () => {
  it.each([
    ['dist', 'dist'],
    ['./dist/', 'dist'],
    ['deploy/../dist', 'dist'],
    ['.', ''],
    ['a/b/c', 'a/b/c'],
  ])('reads %s as %s', (given, expected) => {
    expect(repositoryPath(given)).toBe(expected);
  });

  it.each([['/etc'], ['..'], ['../other'], ['dist/../../x']])('refuses %s, which leaves the repository', (given) => {
    expect(() => repositoryPath(given)).toThrow(UnsafePathError);
  });

  it.each([
    ['dist/a.yaml', 'b.yaml', 'dist/b.yaml'],
    ['dist/a.yaml', '../shared/b.yaml', 'shared/b.yaml'],
    ['a.yaml', './b.yaml', 'b.yaml'],
  ])('resolves symlink %s → %s inside the repository', (link, target, expected) => {
    expect(resolveSymlink(link, target)).toBe(expected);
  });

  it.each([
    ['dist/a.yaml', '/etc/passwd'],
    ['dist/a.yaml', '../../etc/passwd'],
    ['a.yaml', '../a.yaml'],
  ])('refuses symlink %s → %s, naming it', (link, target) => {
    expect(() => resolveSymlink(link, target)).toThrow(new RegExp(`symlink ${link} points at .*outside the repository`));
  });

  it('renders .yaml, .yml and .json files, not hidden or other files', () => {
    expect(['a.yaml', 'b.YML', 'c.json', '.hidden.yaml', 'README.md', 'x.yaml.bak'].filter(isManifestFile)).toEqual(['a.yaml', 'b.YML', 'c.json']);
  });
});

describe('redact', () => {
  it('removes URL user information and every secret value', () => {
    const text = "fatal: unable to access 'https://bot:hunter22@git.example.com/x.git/': token hunter22 refused; Basic aHVudGVyMjI=";
    const clean = redact(text, ['hunter22', 'aHVudGVyMjI=']);
    expect(clean).not.toContain('hunter22');
    expect(clean).not.toContain('aHVudGVyMjI=');
    expect(clean).toContain('https://***@git.example.com/x.git/');
  });
});
