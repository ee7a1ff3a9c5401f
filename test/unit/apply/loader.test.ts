import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests, ManifestError, parseManifests } from '../../../src/apply/index.js';

describe('parseManifests', () => {
  it('reads every document, skipping empty ones, with file, index and line', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n';
    const out = parseManifests(text, 'x.yaml');
    expect(out.map((m) => m.object.metadata.name)).toEqual(['a', 'b']);
    expect(out[1]!.source).toEqual({ file: 'x.yaml', index: 2, line: 8 });
  });

  it('names the file, document index and line of a YAML syntax error', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [b\n  x: 1\n';
    let error: unknown;
    try {
      parseManifests(text, 'dist/app.k8s.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ManifestError);
    const e = error as ManifestError;
    expect(e.source.file).toBe('dist/app.k8s.yaml');
    expect(e.source.index).toBe(1);
    expect(e.message).toMatch(/^dist\/app\.k8s\.yaml: document 1 \(line 6\): invalid YAML at line \d+, column \d+/);
  });

  it('refuses documents without apiVersion, kind or name, naming what is missing', () => {
    expect(() => parseManifests('kind: ConfigMap\nmetadata: {}\n', 'f.yaml')).toThrow(/f\.yaml: document 0 \(line 1\): ConfigMap object is missing apiVersion, metadata\.name/);
    expect(() => parseManifests('- a\n- b\n', 'f.yaml')).toThrow(/expected a Kubernetes object .* found a list/);
  });

  it('reads scalars as kubectl does: octal modes, booleans, timestamps kept as strings', () => {
    const [m] = parseManifests('apiVersion: v1\nkind: X\nmetadata:\n  name: a\nmode: 0644\nflag: yes\nwhen: 2024-01-01\n', 'f.yaml');
    expect(m!.object['mode']).toBe(420);
    expect(m!.object['flag']).toBe(true);
    expect(m!.object['when']).toBe('2024-01-01');
  });

  it('keeps strings that YAML 1.1 would turn into numbers but Go does not', () => {
    const read = (v: string) => parseManifests(`apiVersion: v1\nkind: X\nmetadata:\n  name: a\nv: ${v}\n`, 'f.yaml')[0]!.object['v'];
    expect(read('e1')).toBe('e1');
    expect(read('12:30')).toBe('12:30');
    expect(read('.')).toBe('.');
    expect(read('1e3')).toBe(1000);
    expect(read('1.5')).toBe(1.5);
    expect(read('.5')).toBe(0.5);
    expect(read('0x1f')).toBe(31);
    expect(read('.inf')).toBe(Infinity);
  });

  it('flattens List documents into their items', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n';
    expect(parseManifests(text, 'l.yaml').map((m) => m.object.kind)).toEqual(['ConfigMap', 'Secret']);
  });

  it('reads JSON documents', () => {
    expect(parseManifests('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}', 'j.json')[0]!.object.metadata.name).toBe('j');
  });
});

describe('loadManifests', () => {
  it('walks directories in name order, reads files and stdin', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-loader-'));
    await mkdir(join(dir, 'sub'));
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
    await writeFile(join(dir, 'b.yaml'), cm('b'));
    await writeFile(join(dir, 'a.yml'), cm('a'));
    await writeFile(join(dir, 'sub', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
    const out = await loadManifests([dir, '-'], async () => cm('stdin'));
    expect(out.map((m) => m.object.metadata.name)).toEqual(['a', 'b', 'c', 'stdin']);
    expect(out[3]!.source?.file).toBe('<stdin>');
  });

  it('says which path does not exist', async () => {
    await expect(loadManifests(['/nonexistent/capstan'])).rejects.toThrow(/\/nonexistent\/capstan: no such file or directory/);
  });
});

describe('YAML 1.1 hints', () => {
  it('names the line of each unquoted value that YAML 1.1 reads as a boolean or an octal number, and nothing else', () => {
    const [m] = parseManifests(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  a: y\n  b: "y"\n  c: 0644\n  d: true\n  e: "0644"\n  f: off\n  g: 10\n`, 'f.yaml');
    expect(m!.hints).toEqual([
      expect.stringMatching(/^line 6: unquoted y is read as the boolean true .*quote it \("y"\)/),
      expect.stringMatching(/^line 8: unquoted 0644 is read as the octal number 420/),
      expect.stringMatching(/^line 11: unquoted off is read as the boolean false/),
    ]);
    expect(parseManifests(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: clean\n`, 'g.yaml')[0]!.hints).toBeUndefined();
  });
});
