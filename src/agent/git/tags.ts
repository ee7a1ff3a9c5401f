import semver from 'semver';

/** A tag as the remote lists it: the object the ref names, and the commit it comes down to. */
export interface RemoteTag {
  name: string;
  /** What `refs/tags/<name>` names: the tag object of an annotated tag, else the commit. */
  object: string;
  /** The commit (`refs/tags/<name>^{}` for an annotated tag). */
  commit: string;
  /** Whether the ref names a tag object, which can carry a signature. */
  annotated: boolean;
}

/** A `ref.semver` that is not a semver range. */
export class InvalidRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRangeError';
  }
}

/** The tags of `git ls-remote --tags` output, by name. */
export function parseRemoteTags(output: string): Map<string, RemoteTag> {
  const tags = new Map<string, RemoteTag>();
  const peeled = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [sha = '', ref = ''] = line.trim().split('\t');
    if (!sha || !ref.startsWith('refs/tags/')) continue;
    const name = ref.slice('refs/tags/'.length);
    if (name.endsWith('^{}')) peeled.set(name.slice(0, -3), sha);
    else tags.set(name, { name, object: sha, commit: sha, annotated: false });
  }
  for (const [name, commit] of peeled) {
    const tag = tags.get(name);
    if (tag) tags.set(name, { ...tag, commit, annotated: true });
  }
  return tags;
}

/**
 * The tag of the highest version in `range` (npm's semver ranges: `>=1.2 <2`, `^1.2`, `~1.2.3`,
 * `1.x`). Tag names are versions with or without a leading `v`; other tags are ignored, and so
 * are pre-releases unless the range names one, as npm does. Equal versions (`v1.0.0`, `1.0.0`)
 * resolve to the name that sorts first, so the answer is stable.
 */
export function highestInRange(names: Iterable<string>, range: string): string | undefined {
  const valid = semver.validRange(range);
  if (valid === null) throw new InvalidRangeError(`spec.ref.semver "${range}" is not a semver range: write one such as ">=1.2 <2", "^1.2" or "1.x"`);
  let best: { name: string; version: string } | undefined;
  for (const name of names) {
    const version = semver.valid(name);
    if (!version || !semver.satisfies(version, valid)) continue;
    const order = best ? semver.compare(version, best.version) : 1;
    if (order > 0 || (order === 0 && name < best!.name)) best = { name, version };
  }
  return best?.name;
}
