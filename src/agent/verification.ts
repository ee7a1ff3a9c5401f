import { createHash } from 'node:crypto';
import type { KubeClient } from '../k8s/index.js';
import { secretData, secretsOf } from './credentials.js';
import { CredentialsError, type GitAuth } from './git/auth.js';
import { buildKeyring, type Keyring } from './git/keyring.js';
import type { GitSource, ResolvedReference } from './git/source.js';
import { VerificationError } from './git/verify-error.js';
import { verifyCommit, verifyTag } from './git/verify.js';

/** `spec.verify` of a Sync. */
export interface VerifySpec {
  mode: 'HEAD' | 'tag';
  secretRef: { name: string };
}

/** What one check needs: the Sync's namespace, its repository and credentials, and the revision. */
export interface VerifyRequest {
  namespace: string;
  url: string;
  revision: ResolvedReference;
  verify: VerifySpec;
  auth: GitAuth;
  timeoutMs: number;
}

/**
 * Checks revisions against the keys of their Sync's `spec.verify` Secret before anything of them
 * is rendered, with git itself (`verify-commit`, `verify-tag`) in the shared cache and a keyring
 * built for this check only. A revision that passed is remembered with the keys it passed with,
 * so re-syncs of it cost nothing; changing the Secret checks again.
 */
export class RevisionVerifier {
  private readonly passed = new Set<string>();

  constructor(private readonly client: KubeClient, private readonly source: GitSource) {}

  /** Resolves when the revision is signed as `verify` asks; throws {@link VerificationError} saying which commit and why. */
  async verify(request: VerifyRequest): Promise<void> {
    const { namespace, url, revision, verify } = request;
    const data = await secretData(secretsOf(this.client), namespace, verify.secretRef.name, 'spec.verify.secretRef').catch((err: unknown) => {
      // Without its keys no revision can be trusted: a verification failure, not a fetch failure.
      throw err instanceof CredentialsError ? new VerificationError(err.message) : err;
    });
    const keys = createHash('sha256').update(JSON.stringify(Object.entries(data).sort())).digest('hex');
    const id = JSON.stringify([namespace, url, revision.sha, revision.tag ?? '', verify.mode, keys]);
    if (this.passed.has(id)) return;
    const keyring = await buildKeyring(`${namespace}/${verify.secretRef.name}`, data);
    try {
      const repo = this.source.cacheOf(url);
      if (verify.mode === 'HEAD') await verifyCommit(repo, revision.sha, keyring);
      else await this.verifyTags(request, repo, keyring);
    } finally {
      await keyring.dispose();
    }
    if (this.passed.size > 1000) this.passed.clear();
    this.passed.add(id);
  }

  private async verifyTags(request: VerifyRequest, repo: string, keyring: Keyring): Promise<void> {
    const { url, revision, auth, timeoutMs } = request;
    const tags = await this.source.remoteTags(url, auth, timeoutMs);
    const candidates = revision.tag ? [tags.get(revision.tag)].filter((t) => t !== undefined) : [...tags.values()].filter((t) => t.commit === revision.sha);
    if (candidates.length === 0) {
      throw new VerificationError(revision.tag
        ? `tag ${revision.tag} is no longer on the remote, so commit ${revision.sha.slice(0, 12)} cannot be checked (spec.verify.mode is tag)`
        : `no tag points at commit ${revision.sha.slice(0, 12)}, and spec.verify.mode is tag: push a signed annotated tag of it (git tag -s), or verify the commit (mode HEAD)`);
    }
    let first: unknown;
    for (const tag of candidates) {
      try {
        if (tag.annotated) await this.source.fetchTag(url, tag, auth, timeoutMs);
        await verifyTag(repo, tag, revision.sha, keyring);
        return;
      } catch (err) {
        first ??= err;
      }
    }
    throw first;
  }
}
