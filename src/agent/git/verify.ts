import { ALLOWED_SIGNERS_KEY, type Keyring } from './keyring.js';
import { runGit, runProgram } from './run.js';
import type { RemoteTag } from './tags.js';
import { VerificationError } from './verify-error.js';

type SignatureFormat = 'gpg' | 'ssh' | 'x509';

const ARMOR: Record<string, SignatureFormat> = {
  '-----BEGIN PGP SIGNATURE-----': 'gpg',
  '-----BEGIN SSH SIGNATURE-----': 'ssh',
  '-----BEGIN SIGNED MESSAGE-----': 'x509',
};

/** The format of the first signature armor in `text`, if any. */
export function signatureFormat(text: string): SignatureFormat | undefined {
  let first: { at: number; format: SignatureFormat } | undefined;
  for (const [armor, format] of Object.entries(ARMOR)) {
    const at = text.indexOf(armor);
    if (at >= 0 && (!first || at < first.at)) first = { at, format };
  }
  return first?.format;
}

/** The signature header (`gpgsig`, `gpgsig-sha256`) of a raw commit object, without its continuation indent. */
export function commitSignature(raw: string): string | undefined {
  const header = raw.split('\n\n', 1)[0] ?? '';
  const match = /^gpgsig(?:-sha256)? (.*(?:\n .*)*)/m.exec(header);
  return match ? match[1]!.replace(/\n /g, '\n') : undefined;
}

/**
 * Checks with `git verify-commit` that commit `sha` of the cached repository `repo` is signed by a
 * key of `keyring`. Throws {@link VerificationError} saying which commit and why.
 */
export async function verifyCommit(repo: string, sha: string, keyring: Keyring): Promise<void> {
  const what = `commit ${sha.slice(0, 12)}`;
  const signature = commitSignature((await runGit(['cat-file', 'commit', sha], { cwd: repo })).toString());
  if (!signature) throw new VerificationError(`${what} is not signed, and spec.verify asks for a signature by a key of Secret ${keyring.secretName}`);
  await verifyObject(repo, ['verify-commit', '--raw', sha], what, signatureFormat(signature), keyring);
}

/**
 * Checks with `git verify-tag` that annotated tag `tag` points at commit `sha` and is signed by a
 * key of `keyring`; the tag object must be in the cache already.
 */
export async function verifyTag(repo: string, tag: RemoteTag, sha: string, keyring: Keyring): Promise<void> {
  const what = `tag ${tag.name} (commit ${sha.slice(0, 12)})`;
  if (!tag.annotated) throw new VerificationError(`${what} is a lightweight tag, which cannot be signed, and spec.verify.mode is tag: push an annotated, signed tag (git tag -s)`);
  const raw = (await runGit(['cat-file', 'tag', tag.object], { cwd: repo })).toString();
  const target = /^object ([0-9a-f]+)$/m.exec(raw)?.[1];
  if (target !== sha) throw new VerificationError(`${what}: the tag object points at ${target?.slice(0, 12) ?? 'nothing'}, not at the commit; tags of tags are not followed`);
  const format = signatureFormat(raw.split('\n\n').slice(1).join('\n\n'));
  if (!format) throw new VerificationError(`${what} is not signed, and spec.verify asks for a signature by a key of Secret ${keyring.secretName}: sign it (git tag -s)`);
  await verifyObject(repo, ['verify-tag', '--raw', tag.object], what, format, keyring);
}

async function verifyObject(repo: string, args: string[], what: string, format: SignatureFormat | undefined, keyring: Keyring): Promise<void> {
  const secret = `Secret ${keyring.secretName}`;
  if (format === 'x509') throw new VerificationError(`${what} has an X.509 (gpgsm) signature, which spec.verify does not take: sign with GPG or SSH`);
  if (format === 'ssh' && !keyring.allowedSigners) throw new VerificationError(`${what} has an SSH signature, and ${secret} has no ${ALLOWED_SIGNERS_KEY} to check it with`);
  if (format === 'gpg' && keyring.gpgKeys === 0) throw new VerificationError(`${what} has a GPG signature, and ${secret} holds no GPG public key to check it with`);
  const config: Record<string, string> = keyring.allowedSigners ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'gpg.ssh.allowedSignersFile', GIT_CONFIG_VALUE_0: keyring.allowedSigners } : {};
  const exit = await runProgram('git', args, { cwd: repo, env: { GNUPGHOME: keyring.gnupgHome, ...config }, timeoutMs: 30_000 });
  const status = exit.stderr;
  if (format === 'gpg') {
    // git accepts a good signature of any trust level; GOODSIG and VALIDSIG say gpg checked it against an imported key.
    if (exit.code === 0 && /^\[GNUPG:\] GOODSIG /m.test(status) && /^\[GNUPG:\] VALIDSIG /m.test(status)) return;
    const keyId = /^\[GNUPG:\] (?:NO_PUBKEY|ERRSIG) ([0-9A-F]+)/m.exec(status)?.[1];
    if (/^\[GNUPG:\] NO_PUBKEY /m.test(status)) throw new VerificationError(`${what} is signed with GPG key ${keyId}, which is not among the keys of ${secret}`);
    if (/^\[GNUPG:\] BADSIG /m.test(status)) throw new VerificationError(`${what} has a GPG signature that does not match its content (BADSIG)`);
    if (/^\[GNUPG:\] (EXPKEYSIG|EXPSIG) /m.test(status)) throw new VerificationError(`${what} is signed with an expired GPG key or signature`);
    if (/^\[GNUPG:\] REVKEYSIG /m.test(status)) throw new VerificationError(`${what} is signed with a revoked GPG key`);
    throw new VerificationError(`${what}: git ${args[0]} could not verify its GPG signature with the keys of ${secret} (exit ${exit.code})`);
  }
  if (exit.code === 0 && /^Good "git" signature for /m.test(status)) return;
  if (/No principal matched/.test(status)) throw new VerificationError(`${what} is signed with an SSH key that is not in the ${ALLOWED_SIGNERS_KEY} of ${secret}`);
  throw new VerificationError(`${what}: git ${args[0]} could not verify its SSH signature with the ${ALLOWED_SIGNERS_KEY} of ${secret} (exit ${exit.code})`);
}
