import { createHmac, timingSafeEqual } from 'node:crypto';

/** Which sender signed a delivery. */
export type WebhookProvider = 'github' | 'gitlab' | 'gitea' | 'forgejo' | 'generic';

/** The verdict on a delivery's signature. */
export type SignatureCheck = { ok: true; provider: WebhookProvider } | { ok: false; reason: 'missing' | 'mismatch' };

/** Request headers, as node:http gives them (names in lowercase). */
export type Headers = Record<string, string | string[] | undefined>;

/** The HMAC-SHA256 of `body` under `token`, in hex: what GitHub, Gitea, Forgejo and `X-Capstan-Signature` carry. */
export function hmacSha256(token: string, body: Buffer | string): string {
  return createHmac('sha256', token).update(body).digest('hex');
}

/**
 * Checks a webhook delivery against the Sync's token, in the form each sender uses:
 * GitHub `X-Hub-Signature-256: sha256=<hmac>`, GitLab `X-Gitlab-Token: <token>`, Gitea and Forgejo
 * `X-Gitea-Signature` / `X-Forgejo-Signature: <hmac>`, and the generic
 * `X-Capstan-Signature: sha256=<hmac>`. Comparisons take constant time.
 */
export function checkSignature(headers: Headers, body: Buffer, token: string): SignatureCheck {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const hmac = (): string => hmacSha256(token, body);
  const github = header('x-hub-signature-256');
  if (github !== undefined) return verdict('github', prefixed(github), hmac());
  const capstan = header('x-capstan-signature');
  if (capstan !== undefined) return verdict('generic', prefixed(capstan), hmac());
  const gitea = header('x-gitea-signature');
  if (gitea !== undefined) return verdict('gitea', gitea.trim().toLowerCase(), hmac());
  const forgejo = header('x-forgejo-signature');
  if (forgejo !== undefined) return verdict('forgejo', forgejo.trim().toLowerCase(), hmac());
  const gitlab = header('x-gitlab-token');
  if (gitlab !== undefined) return verdict('gitlab', gitlab, token);
  return { ok: false, reason: 'missing' };
}

/** The hex digest of `sha256=<hex>`, or '' when the form is wrong. */
function prefixed(value: string): string {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(value.trim());
  return match ? match[1]!.toLowerCase() : '';
}

function verdict(provider: WebhookProvider, given: string, expected: string): SignatureCheck {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b) ? { ok: true, provider } : { ok: false, reason: 'mismatch' };
}

/**
 * The branch a push delivery is about (`refs/heads/main` → `main`), when the body says; GitHub,
 * GitLab, Gitea and Forgejo all send `ref`. `undefined` for other bodies, which trigger anyway.
 */
export function pushedBranch(body: Buffer): string | undefined {
  try {
    const ref = (JSON.parse(body.toString('utf8')) as { ref?: unknown }).ref;
    return typeof ref === 'string' && ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  } catch {
    return undefined;
  }
}
