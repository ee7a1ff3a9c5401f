import { etcdReleases } from '../etcd-cluster-type.js';

/** A parsed `major.minor.patch`. */
export interface Semver {
  major: number;
  minor: number;
  patch: number;
}

/** Parses `3.6.16`; undefined when it is not a plain release version. */
export function parseVersion(version: string): Semver | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a)!;
  const y = parseVersion(b)!;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/** The oldest patch of each line from which etcd supports moving to the next minor (its upgrade guides). */
const minimumBeforeNextMinor: Record<string, string> = { '3.5': '3.5.32', '3.6': '3.6.11' };

/**
 * Why moving a cluster from `from` to `to` is refused, or undefined when it is allowed: etcd moves one
 * patch step or one minor step at a time, from a patch its upgrade guide allows, and never back (a
 * downgrade needs etcd's downgrade API, which this operator does not drive).
 */
export function upgradeRefusal(from: string, to: string): string | undefined {
  const a = parseVersion(from);
  const b = parseVersion(to);
  if (!a || !b) return `"${to}" is not an etcd release version such as 3.6.16`;
  if (compareVersions(to, from) < 0) return `${from} → ${to} is a downgrade, which is refused: etcd's data cannot go back a version safely; restore a snapshot into a new cluster instead`;
  if (b.major !== a.major || b.minor > a.minor + 1) {
    return `${from} → ${to} skips a minor version; upgrade to ${a.major}.${a.minor + 1} first, one minor at a time`;
  }
  if (b.minor === a.minor + 1) {
    const minimum = minimumBeforeNextMinor[`${a.major}.${a.minor}`];
    if (minimum && compareVersions(from, minimum) < 0) return `${from} → ${to} needs ${minimum} or newer first: etcd supports moving to ${b.major}.${b.minor} only from there`;
  }
  if (!(etcdReleases as readonly string[]).includes(to)) return `${to} is not an etcd release this operator runs; use one of ${etcdReleases.join(', ')}`;
  return undefined;
}

/** Why a new cluster cannot start at `version`, or undefined. */
export function versionRefusal(version: string): string | undefined {
  if (!(etcdReleases as readonly string[]).includes(version)) return `${version} is not an etcd release this operator runs; use one of ${etcdReleases.join(', ')}`;
  return undefined;
}

/** The `major.minor` of a version. */
export function minorOf(version: string): string {
  const v = parseVersion(version);
  return v ? `${v.major}.${v.minor}` : version;
}
