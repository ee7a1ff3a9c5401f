import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitAuth } from './auth.js';
import { isManifestFile, repositoryPath, resolveSymlink, UnsafePathError } from './paths.js';
import { GitError, runGit } from './run.js';
import { highestInRange, parseRemoteTags, type RemoteTag } from './tags.js';

/** What a Sync follows: one of a branch, a tag, a semver range of tags or a commit. */
export interface GitReference {
  branch?: string | undefined;
  tag?: string | undefined;
  semver?: string | undefined;
  commit?: string | undefined;
}

/** What a reference names on the remote now. */
export interface ResolvedReference {
  /** The commit SHA. */
  sha: string;
  /** The tag, for a tag or a semver range: the one the range picked. */
  tag?: string | undefined;
}

/** A fetched commit. */
export interface Commit {
  sha: string;
  subject: string;
}

/** One manifest file as committed, by its repository path. */
export interface CommittedFile {
  path: string;
  text: string;
}

/** Bounds of what the agent takes from a repository. */
export interface SourceLimits {
  /**
   * Largest repository (packed objects of the shallow clone) kept in the cache.
   * @default 256 MiB
   */
  maxRepositoryBytes?: number;
  /**
   * Largest total size of the manifest files of one commit.
   * @default 64 MiB
   */
  maxManifestBytes?: number;
}

/** The remote has no such branch or tag, or a path names nothing in a commit. */
export class RevisionNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RevisionNotFoundError';
  }
}

/** `branch main`, `tag v1`, `commit abc…`. */
export function describeReference(ref: GitReference): string {
  if (ref.commit) return `commit ${ref.commit}`;
  if (ref.tag) return `tag ${ref.tag}`;
  if (ref.semver) return `semver ${ref.semver}`;
  return `branch ${ref.branch ?? 'main'}`;
}

/**
 * Git repositories as the agent reads them: the remote is asked for a revision with `ls-remote`,
 * a commit is fetched (shallow) only when the cache lacks it, into one bare repository per URL that
 * every Sync of that URL shares, and files are read from the commit's tree, never from a checkout,
 * so what is applied is exactly what was committed.
 */
export class GitSource {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly maxRepositoryBytes: number;
  private readonly maxManifestBytes: number;

  constructor(private readonly cacheDir: string, limits: SourceLimits = {}) {
    this.maxRepositoryBytes = limits.maxRepositoryBytes ?? 256 * 1024 * 1024;
    this.maxManifestBytes = limits.maxManifestBytes ?? 64 * 1024 * 1024;
  }

  /**
   * The commit `ref` names on the remote now (a commit names itself and costs nothing); a semver
   * range picks the highest matching tag of `ls-remote --tags`.
   */
  async resolve(url: string, ref: GitReference, auth: GitAuth, timeoutMs: number): Promise<ResolvedReference> {
    if (ref.commit) return { sha: ref.commit };
    if (ref.semver) {
      const tags = await this.remoteTags(url, auth, timeoutMs);
      const tag = highestInRange(tags.keys(), ref.semver);
      if (!tag) throw new RevisionNotFoundError(`no tag of the remote is a version in ${describeReference(ref)} (${tags.size} tag(s) listed): push one, or fix spec.ref.semver`);
      return { sha: tags.get(tag)!.commit, tag };
    }
    const names = ref.tag ? [`refs/tags/${ref.tag}`, `refs/tags/${ref.tag}^{}`] : [`refs/heads/${ref.branch ?? 'main'}`];
    const out = (await runGit(['ls-remote', '--', url, ...names], { env: auth.env, secrets: auth.secrets, timeoutMs })).toString();
    const found = new Map(out.split('\n').filter(Boolean).map((line) => {
      const [sha = '', name = ''] = line.split('\t');
      return [name, sha] as const;
    }));
    const sha = found.get(names[1] ?? '') ?? found.get(names[0]!);
    if (!sha) throw new RevisionNotFoundError(`the remote has no ${describeReference(ref)}: push it, or fix spec.ref`);
    return { sha, tag: ref.tag };
  }

  /** Every tag of the remote (`git ls-remote --tags`), by name. */
  async remoteTags(url: string, auth: GitAuth, timeoutMs: number): Promise<Map<string, RemoteTag>> {
    const out = await runGit(['ls-remote', '--tags', '--', url], { env: auth.env, secrets: auth.secrets, timeoutMs });
    return parseRemoteTags(out.toString());
  }

  /** Makes sure the tag object of annotated tag `tag` is in the cache (a fetch keeps only commits otherwise). */
  fetchTag(url: string, tag: RemoteTag, auth: GitAuth, timeoutMs: number): Promise<void> {
    return this.serialized(url, async () => {
      const repo = this.repository(url);
      if (await runGit(['cat-file', '-e', tag.object], { cwd: repo }).then(() => true, () => false)) return;
      const run = { cwd: repo, env: auth.env, secrets: auth.secrets, timeoutMs };
      await runGit(['fetch', '--depth', '1', '--no-tags', '-q', '--', url, `+refs/tags/${tag.name}:refs/capstan/tags/${tag.name}`], run);
    });
  }

  /** The bare repository that caches `url`, for git commands that read it (signature checks). */
  cacheOf(url: string): string {
    return this.repository(url);
  }

  /** Makes sure commit `sha` is in the cache, fetching it shallow when missing; resolves its subject. */
  fetch(url: string, sha: string, ref: GitReference, auth: GitAuth, timeoutMs: number): Promise<Commit> {
    return this.serialized(url, async () => {
      const repo = this.repository(url);
      if (!existsSync(repo)) {
        await mkdir(this.cacheDir, { recursive: true });
        await runGit(['init', '--bare', '-q', repo]);
      }
      if (!(await this.has(repo, sha))) {
        const run = { cwd: repo, env: auth.env, secrets: auth.secrets, timeoutMs };
        const refspec = ref.commit || ref.semver ? sha : `+refs/${ref.tag ? 'tags' : 'heads'}/${ref.tag ?? ref.branch ?? 'main'}:refs/capstan/fetched`;
        await runGit(['fetch', '--depth', '1', '--no-tags', '-q', '--', url, refspec], run);
        // The branch may have moved since ls-remote: ask for the commit itself.
        if (!(await this.has(repo, sha))) await runGit(['fetch', '--depth', '1', '--no-tags', '-q', '--', url, sha], run);
        await this.checkSize(repo, url);
      }
      const subject = (await runGit(['log', '-1', '--format=%s', sha], { cwd: repo })).toString().trim();
      return { sha, subject };
    });
  }

  /**
   * Every manifest file (.yaml, .yml, .json) under `path` in commit `sha`, as committed. A path or a
   * symlink that leads out of the repository is refused; so is a symlink to nothing committed.
   */
  async files(url: string, sha: string, path: string): Promise<CommittedFile[]> {
    const root = repositoryPath(path);
    const repo = this.repository(url);
    const tree = await this.tree(repo, sha);
    const inside = (p: string): boolean => root === '' || p === root || p.startsWith(`${root}/`);
    const wanted = [...tree.keys()].filter((p) => inside(p)).sort();
    if (root !== '' && wanted.length === 0) throw new RevisionNotFoundError(`path ${root} does not exist in commit ${sha.slice(0, 12)}: fix spec.path`);
    const blobs: { path: string; oid: string; size: number }[] = [];
    for (const p of wanted) {
      if (!isManifestFile(p)) continue;
      let entry = tree.get(p)!;
      let at = p;
      for (let hops = 0; entry.mode === '120000'; hops++) {
        if (hops >= 8) throw new UnsafePathError(`symlink ${p} goes through more than 8 links`);
        const target = (await runGit(['cat-file', 'blob', entry.oid], { cwd: repo })).toString();
        const next = resolveSymlink(at, target);
        const found = tree.get(next);
        if (!found) throw new UnsafePathError(`symlink ${at} points at ${target}, which is not a file of commit ${sha.slice(0, 12)}`);
        entry = found;
        at = next;
      }
      if (entry.mode === '160000') continue; // a submodule: not part of this repository
      blobs.push({ path: p, oid: entry.oid, size: entry.size });
    }
    const total = blobs.reduce((sum, b) => sum + b.size, 0);
    if (total > this.maxManifestBytes) {
      throw new GitError(`the manifests under ${root || 'the repository root'} take ${Math.ceil(total / 1024 / 1024)} MiB, more than the ${Math.round(this.maxManifestBytes / 1024 / 1024)} MiB limit: split them over several Syncs`);
    }
    return this.readBlobs(repo, blobs);
  }

  private async readBlobs(repo: string, blobs: { path: string; oid: string }[]): Promise<CommittedFile[]> {
    if (blobs.length === 0) return [];
    const out = await runGit(['cat-file', '--batch'], { cwd: repo, input: `${blobs.map((b) => b.oid).join('\n')}\n`, maxOutputBytes: this.maxManifestBytes + blobs.length * 64 });
    const files: CommittedFile[] = [];
    let offset = 0;
    for (const blob of blobs) {
      const newline = out.indexOf(0x0a, offset);
      const header = out.subarray(offset, newline).toString();
      const size = Number(header.split(' ')[2]);
      if (!header.startsWith(blob.oid) || !Number.isFinite(size)) throw new GitError(`git cat-file answered "${header}" for ${blob.path}`);
      files.push({ path: blob.path, text: out.subarray(newline + 1, newline + 1 + size).toString('utf8') });
      offset = newline + 1 + size + 1;
    }
    return files;
  }

  /** Every blob of the commit's tree by path, with mode, object id and size. */
  private async tree(repo: string, sha: string): Promise<Map<string, { mode: string; oid: string; size: number }>> {
    const out = (await runGit(['ls-tree', '-r', '-z', '--long', '--full-tree', sha], { cwd: repo })).toString();
    const tree = new Map<string, { mode: string; oid: string; size: number }>();
    for (const record of out.split('\0')) {
      if (!record) continue;
      const tab = record.indexOf('\t');
      const [mode = '', , oid = '', size = '0'] = record.slice(0, tab).trim().split(/\s+/);
      tree.set(record.slice(tab + 1), { mode, oid, size: Number(size) || 0 });
    }
    return tree;
  }

  private async has(repo: string, sha: string): Promise<boolean> {
    return runGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: repo }).then(() => true, () => false);
  }

  private async checkSize(repo: string, url: string): Promise<void> {
    const out = (await runGit(['count-objects', '-v'], { cwd: repo })).toString();
    const kib = (key: string): number => Number(/^(\S+): (\d+)$/m.exec(out.split('\n').find((l) => l.startsWith(`${key}:`)) ?? '')?.[2] ?? 0);
    const bytes = (kib('size') + kib('size-pack')) * 1024;
    if (bytes > this.maxRepositoryBytes) {
      await rm(repo, { recursive: true, force: true });
      throw new GitError(`the repository ${url} takes ${Math.ceil(bytes / 1024 / 1024)} MiB even shallow, more than the ${Math.round(this.maxRepositoryBytes / 1024 / 1024)} MiB limit: keep the manifests in a smaller repository`);
    }
  }

  private repository(url: string): string {
    return join(this.cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.git`);
  }

  private async serialized<T>(url: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(url) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    this.locks.set(url, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(url) === tail) this.locks.delete(url);
    }
  }
}
