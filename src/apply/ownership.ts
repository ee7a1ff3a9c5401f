import type { KubeObject } from '../k8s/index.js';
import { Annotations, pruneDisabled } from './annotations.js';
import { applyEntry, managedFields } from './fieldset.js';

/** The inventory an object's ownership mark names, as written on the live object. */
export function ownerMark(obj: KubeObject | undefined): string | undefined {
  return obj?.metadata.annotations?.[Annotations.inventory] || undefined;
}

/** Who asks to own an object, and how firmly. */
export interface Claim {
  /** The claiming inventory's id (its mark), or undefined for an apply without inventory. */
  owner: string | undefined;
  /** The inventory's bare name, which marks written before marks named their namespace held. */
  legacyName?: string | undefined;
  /** Whether the inventory's record lists the object (needed to accept a legacy mark). */
  recorded: boolean;
  /** Taking the object over from another inventory was asked for (flag or annotation). */
  adopt: boolean;
}

/** The answer to a {@link Claim}: allowed (and whether that takes the object over), or refused and why. */
export type ClaimDecision = { allowed: true; takeover?: string } | { allowed: false; reason: string };

/**
 * Whether applying may touch `live` for `claim`. An unmarked object is free; one marked by the
 * claimant is its own; one marked by another inventory is refused unless adoption is asked for,
 * because one field manager writes for every inventory and the other one would lose it without
 * knowing.
 */
export function decideClaim(live: KubeObject | undefined, claim: Claim): ClaimDecision {
  const mark = ownerMark(live);
  if (!mark || mark === claim.owner) return { allowed: true };
  if (claim.owner && isLegacyMark(mark, claim)) return { allowed: true };
  const holder = describeOwner(mark);
  if (claim.adopt) return { allowed: true, takeover: `adopted from ${holder}` };
  const wanted = claim.owner ? `inventory ${describeOwner(claim.owner)}` : 'an apply without inventory';
  return { allowed: false, reason: `owned by ${holder}, not by ${wanted}: remove it from one of the two sets, or adopt it (annotation ${Annotations.adopt}: "true" on the object)` };
}

/**
 * Why `live` must not be pruned by inventory `owner`, or `undefined` when it may be. All of these
 * must hold: it has not opted out, its mark names this inventory, and `manager` still applies
 * fields of it other than the mark. An applier that took the object over with force leaves us
 * only the mark, and then the object is theirs.
 */
export function pruneRefusal(live: KubeObject, claim: Omit<Claim, 'adopt'>, manager: string): string | undefined {
  if (pruneDisabled(live)) return `pruning disabled by annotation ${Annotations.prune}`;
  const mark = ownerMark(live);
  if (mark !== claim.owner && !(mark && isLegacyMark(mark, { ...claim, adopt: false }))) {
    return mark ? `now owned by ${describeOwner(mark)}` : `not marked as owned by ${describeOwner(claim.owner ?? '')} (annotation ${Annotations.inventory})`;
  }
  const entry = applyEntry(live, manager);
  if (!entry) return `field manager "${manager}" no longer applies it`;
  if (!ownsMoreThanMark(entry.fieldsV1 ?? {})) {
    // An object of nothing but a name owns only the mark too; it is taken over only when another applier declares it.
    const appliers = managedFields(live).filter((e) => e.operation === 'Apply' && !e.subresource && e.manager !== manager).map((e) => `"${e.manager}"`);
    if (appliers.length) return `taken over by field manager ${appliers.join(', ')}: "${manager}" owns nothing of it but the ownership mark`;
  }
  return undefined;
}

/** `ConfigMap/ns/name` → `ConfigMap ns/name`; a bare legacy name stays as it is. */
export function describeOwner(mark: string): string {
  const [kind, ...rest] = mark.split('/');
  return rest.length ? `${kind} ${rest.join('/')}` : `"${mark}"`;
}

/** A mark of the older form (the bare inventory name), accepted only for objects the inventory recorded. */
function isLegacyMark(mark: string, claim: Claim): boolean {
  return !mark.includes('/') && claim.legacyName === mark && claim.recorded;
}

const MARK_PATH = ['f:metadata', 'f:annotations', `f:${Annotations.inventory}`];

/** Whether a field set holds any field besides the ownership mark (`.` entries are not fields). */
export function ownsMoreThanMark(fields: Record<string, unknown>, depth = 0): boolean {
  for (const [key, sub] of Object.entries(fields)) {
    if (key === '.') continue;
    if (key !== MARK_PATH[depth]) return true;
    if (depth === MARK_PATH.length - 1) continue;
    if (ownsMoreThanMark(sub as Record<string, unknown>, depth + 1)) return true;
  }
  return false;
}
