import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Composer, isScalar, LineCounter, Parser, visit, type Document, type Tags } from 'yaml';
import type { KubeObject } from '../k8s/index.js';
import { ManifestError } from './errors.js';
import type { Manifest, ManifestSource } from './objects.js';

/** File name used in errors for manifests read from standard input. */
export const STDIN = '<stdin>';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/**
 * Reads manifests from files, directories (every `.yaml`, `.yml` and `.json` below them,
 * in name order) and `-` for standard input. Throws {@link ManifestError} naming the file,
 * document and line of the first document that cannot be read.
 */
export async function loadManifests(paths: string[], stdin: () => Promise<string> = readStdin): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push(...parseManifests(await stdin(), STDIN));
      continue;
    }
    for (const file of await manifestFiles(path)) {
      out.push(...parseManifests(await readFile(file, 'utf8'), file));
    }
  }
  return out;
}

/**
 * Parses multi-document YAML (or JSON) into objects. Documents that are empty are skipped;
 * `kind: List` documents are flattened into their items. Scalars follow YAML 1.1 as kubectl
 * reads them (`0644` is octal, `yes` is a boolean) except that timestamps stay strings.
 */
export function parseManifests(text: string, file: string): Manifest[] {
  const lines = new LineCounter();
  // One document at a time: a file of a thousand documents never holds a thousand syntax trees.
  const composer = new Composer({ version: '1.1', customTags: kubectlScalars });
  const out: Manifest[] = [];
  let index = 0;
  for (const doc of composer.compose(new Parser(lines.addNewLine).parse(text), true, text.length)) {
    const start = doc.contents?.range[0] ?? doc.range[0];
    const source: ManifestSource = { file, index: index++, line: lines.linePos(start).line };
    const error = doc.errors[0];
    if (error) {
      const at = lines.linePos(error.pos[0]);
      throw new ManifestError(source, `invalid YAML at line ${at.line}, column ${at.col}: ${firstLine(error.message)}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      throw new ManifestError(source, `cannot read the document: ${(err as Error).message}`);
    }
    if (value === null || value === undefined) continue;
    const hints = yaml11Hints(doc, lines);
    for (const object of flattenList(value, source)) out.push(hints.length ? { object, source, hints } : { object, source });
  }
  return out;
}

/**
 * Unquoted values that YAML 1.1 (and so kubectl) reads otherwise than they look: `y`, `no`, `on`
 * as booleans, `0644` as the octal number 420. Where a string was meant, the server refuses the
 * object with a type error that does not say why; these hints do.
 */
export function yaml11Hints(doc: Document.Parsed, lines: LineCounter): string[] {
  const hints: string[] = [];
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || node.type !== 'PLAIN' || !isScalar(node)) return;
      const text = node.source ?? '';
      const line = node.range ? lines.linePos(node.range[0]).line : 0;
      if (typeof node.value === 'boolean' && !/^(true|false)$/i.test(text)) {
        hints.push(`line ${line}: unquoted ${text} is read as the boolean ${node.value} (YAML 1.1, as kubectl reads it); quote it ("${text}") if you meant the text`);
      } else if (typeof node.value === 'number' && /^[-+]?0[0-7_]+$/.test(text)) {
        hints.push(`line ${line}: unquoted ${text} is read as the octal number ${node.value} (YAML 1.1, as kubectl reads it); quote it ("${text}") if you meant the text`);
      }
    },
  });
  return hints;
}

const FLOAT = 'tag:yaml.org,2002:float';
/** Floats as Go's YAML reader sees them: digits before any exponent, so `e1` stays a string. */
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * YAML 1.1 scalars narrowed to what kubectl's reader resolves: no timestamps, no
 * sexagesimal numbers (`12:30` is a string), no exponent without digits (`e1` is a string).
 */
function kubectlScalars(tags: Tags): Tags {
  const out: Tags = [];
  for (const t of tags) {
    if (typeof t === 'string') out.push(t);
    else if (t.tag === 'tag:yaml.org,2002:timestamp' || t.format === 'TIME') continue;
    else if (t.tag === FLOAT && t.format === 'EXP') continue;
    else if (t.tag === FLOAT && !t.format && 'test' in t && t.test?.source.includes('\\.[0-9_]')) out.push({ ...t, test: GO_FLOAT });
    else out.push(t);
  }
  return out;
}

function flattenList(value: unknown, source: ManifestSource): KubeObject[] {
  const obj = checkObject(value, source, '');
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj['items'])) {
    return (obj['items'] as unknown[]).map((item, i) => checkObject(item, source, `items[${i}]: `));
  }
  return [obj];
}

function checkObject(value: unknown, source: ManifestSource, prefix: string): KubeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(source, `${prefix}expected a Kubernetes object (a mapping with apiVersion, kind and metadata), found ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  const obj = value as Record<string, unknown>;
  const missing: string[] = [];
  if (typeof obj['apiVersion'] !== 'string' || !obj['apiVersion']) missing.push('apiVersion');
  if (typeof obj['kind'] !== 'string' || !obj['kind']) missing.push('kind');
  const isList = typeof obj['kind'] === 'string' && obj['kind'].endsWith('List') && Array.isArray(obj['items']);
  const meta = obj['metadata'];
  if (!isList) {
    if (typeof meta !== 'object' || meta === null || typeof (meta as Record<string, unknown>)['name'] !== 'string' || !(meta as Record<string, unknown>)['name']) {
      missing.push('metadata.name');
    }
  }
  if (missing.length) {
    const what = typeof obj['kind'] === 'string' ? `${obj['kind']} ` : '';
    throw new ManifestError(source, `${prefix}${what}object is missing ${missing.join(', ')}`);
  }
  return obj as KubeObject;
}

async function manifestFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new Error(`${path}: no such file or directory; pass manifest files, directories or - for stdin`);
  }
  if (info.isFile()) return [path];
  if (!info.isDirectory()) throw new Error(`${path}: not a file or directory`);
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(path, e.name);
    if (e.isDirectory()) out.push(...(await manifestFiles(full)));
    else if (MANIFEST_FILE.test(e.name)) out.push(full);
  }
  return out;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
