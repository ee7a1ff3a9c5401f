import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from './run.js';
import { VerificationError } from './verify-error.js';

/** The Secret key that holds an SSH `allowed_signers` file; every other key holds GPG public keys. */
export const ALLOWED_SIGNERS_KEY = 'allowed_signers';

/** The keys one Sync trusts, as git reads them: a GnuPG home of its own and an allowed-signers file. */
export interface Keyring {
  /** `GNUPGHOME` holding only the Secret's GPG public keys. */
  gnupgHome: string;
  /** The `allowed_signers` file, when the Secret has one. */
  allowedSigners?: string | undefined;
  /** Which Secret the keys came from, for messages. */
  secretName: string;
  /** How many GPG keys were imported. */
  gpgKeys: number;
  /** Removes the directory. */
  dispose(): Promise<void>;
}

const PUBLIC_BLOCK = '-----BEGIN PGP PUBLIC KEY BLOCK-----';
const PRIVATE_BLOCK = '-----BEGIN PGP PRIVATE KEY BLOCK-----';

/**
 * Builds an isolated keyring from the decoded data of a `spec.verify.secretRef` Secret: every key
 * other than `allowed_signers` must hold armored GPG public keys, imported into a fresh GnuPG home
 * directory that nothing else uses; `allowed_signers` is written as git's
 * `gpg.ssh.allowedSignersFile`. Key material never appears in an error.
 */
export async function buildKeyring(secretName: string, data: Record<string, string>): Promise<Keyring> {
  const entries = Object.entries(data).filter(([, v]) => v.trim() !== '');
  if (entries.length === 0) {
    throw new VerificationError(`spec.verify.secretRef: Secret ${secretName} holds no keys: add armored GPG public keys (gpg --armor --export KEY) under any key, or an SSH allowed_signers file under ${ALLOWED_SIGNERS_KEY}`);
  }
  for (const [key, value] of entries) {
    if (key === ALLOWED_SIGNERS_KEY) continue;
    if (value.includes(PRIVATE_BLOCK)) throw new VerificationError(`spec.verify.secretRef: key ${key} of Secret ${secretName} holds a GPG private key: give the public key only (gpg --armor --export KEY), and replace the private one, which is now exposed to whoever reads that Secret`);
    if (!value.includes(PUBLIC_BLOCK)) throw new VerificationError(`spec.verify.secretRef: key ${key} of Secret ${secretName} is not an armored GPG public key (${PUBLIC_BLOCK}): export it with gpg --armor --export KEY, or name an SSH allowed_signers file ${ALLOWED_SIGNERS_KEY}`);
  }
  await mkdir(tmpdir(), { recursive: true }); // the agent's pod points TMPDIR at its cache volume
  // mkdtemp makes the directory 0700, as gpg wants its home.
  const gnupgHome = await mkdtemp(join(tmpdir(), 'capstan-verify-'));
  const dispose = () => rm(gnupgHome, { recursive: true, force: true });
  try {
    let gpgKeys = 0;
    let allowedSigners: string | undefined;
    for (const [key, value] of entries) {
      if (key === ALLOWED_SIGNERS_KEY) {
        allowedSigners = join(gnupgHome, 'allowed_signers');
        await writeFile(allowedSigners, value.endsWith('\n') ? value : `${value}\n`, { mode: 0o600 });
        continue;
      }
      const exit = await runProgram('gpg', ['--batch', '--no-tty', '--no-autostart', '--homedir', gnupgHome, '--import'], { input: value, timeoutMs: 30_000 });
      if (exit.code !== 0) throw new VerificationError(`spec.verify.secretRef: gpg could not import key ${key} of Secret ${secretName} (exit ${exit.code}): export it again with gpg --armor --export KEY`);
      gpgKeys++;
    }
    return { gnupgHome, allowedSigners, secretName, gpgKeys, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
