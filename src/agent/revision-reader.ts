import type { Manifest } from '../apply/index.js';
import type { KubeClient } from '../k8s/index.js';
import { secretsOf, syncCredentials, type SecretGetter } from './credentials.js';
import { anonymous, type GitAuth } from './git/auth.js';
import type { Commit, GitReference, GitSource, ResolvedReference } from './git/source.js';
import { renderFiles } from './render.js';
import { RevisionVerifier, type VerifySpec } from './verification.js';

/** What the remote named last for one Sync, and when it was asked. */
interface RemoteAnswer {
  askedAt: number;
  resolved: ResolvedReference;
  /** URL, ref and pin it was asked for: a change of any asks again. */
  question: string;
}

/** The parts of a Sync's spec that say which revision to read and how. */
export interface RevisionSpec {
  url: string;
  ref: GitReference;
  path: string;
  allowEmpty: boolean;
  secretRef?: { name: string } | undefined;
  verify?: VerifySpec | undefined;
}

/** One read of a Sync's revision. */
export interface RevisionRequest {
  /** `namespace/name` of the Sync. */
  key: string;
  namespace: string;
  spec: RevisionSpec;
  /** Ask the remote even when the last answer is recent (a webhook, a requested reconcile). */
  ask: boolean;
  intervalMs: number;
  timeoutMs: number;
  /** Called with the commit as soon as it is known, before it is fetched, checked or rendered. */
  onResolved?: (sha: string) => void;
  /** Whether the commit is applied and nothing drifted since: then it is not fetched or rendered again. */
  upToDate?: (sha: string) => boolean;
}

/** A revision ready to apply: its commit, the tag it came by, and its manifests. */
export interface Revision {
  commit: Commit;
  resolved: ResolvedReference;
  manifests: Manifest[];
}

/**
 * Reads the revision a Sync follows: asks the remote (at most once per interval unless told to),
 * fetches the commit into the shared cache, checks its signature when `spec.verify` asks, and only
 * then renders the manifests under `path`. Errors are thrown as they come (FetchFailed,
 * VerificationFailed, ValidationFailed), with the credentials' values for redaction in `secrets`.
 */
export class RevisionReader {
  private readonly answers = new Map<string, RemoteAnswer>();
  private readonly verifier: RevisionVerifier;

  private readonly secrets: SecretGetter;

  /** `secrets` reads the git credentials; by default with a GET each time. */
  constructor(client: KubeClient, private readonly source: GitSource, secrets?: SecretGetter) {
    this.verifier = new RevisionVerifier(client, source);
    this.secrets = secrets ?? secretsOf(client);
  }

  /** Forgets what the remote answered for `key`, so the next read asks again. */
  forget(key: string): void {
    this.answers.delete(key);
  }

  /**
   * Reads the revision, or returns `undefined` when `request.upToDate` says its commit needs
   * nothing. `onAuth` gets the Sync's git credentials as soon as they are read, so that the caller
   * can redact their values from any error.
   */
  async read(request: RevisionRequest, onAuth: (auth: GitAuth) => void = () => undefined): Promise<Revision | undefined> {
    const { key, namespace, spec, timeoutMs } = request;
    let auth: GitAuth = anonymous;
    try {
      auth = await syncCredentials(this.secrets, namespace, spec.secretRef);
      onAuth(auth);
      const question = JSON.stringify([spec.url, spec.ref]);
      const answer = this.answers.get(key);
      let resolved: ResolvedReference;
      if (request.ask || !answer || answer.question !== question || Date.now() - answer.askedAt >= request.intervalMs * 0.9) {
        resolved = await this.source.resolve(spec.url, spec.ref, auth, timeoutMs);
        this.answers.set(key, { askedAt: Date.now(), resolved, question });
      } else resolved = answer.resolved;
      request.onResolved?.(resolved.sha);
      if (request.upToDate?.(resolved.sha)) return undefined;
      // A semver range is fetched as the tag it picked.
      const ref: GitReference = spec.ref.semver ? { tag: resolved.tag } : spec.ref;
      const commit = await this.source.fetch(spec.url, resolved.sha, ref, auth, timeoutMs);
      if (spec.verify) await this.verifier.verify({ namespace, url: spec.url, revision: resolved, verify: spec.verify, auth, timeoutMs });
      const files = await this.source.files(spec.url, resolved.sha, spec.path);
      const manifests = renderFiles(files, { path: spec.path, revision: resolved.sha, allowEmpty: spec.allowEmpty });
      return { commit, resolved, manifests };
    } catch (err) {
      this.answers.delete(key);
      throw err;
    } finally {
      await auth.dispose();
    }
  }
}
