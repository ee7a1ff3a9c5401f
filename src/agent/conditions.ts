import { ApplyError, InventoryError, ManifestError, WaitError, keyOf, type ObjectRef } from '../apply/index.js';
import type { ConditionInput } from '../controller/index.js';
import { isApiError } from '../k8s/index.js';
import { CredentialsError } from './git/auth.js';
import { UnsafePathError } from './git/paths.js';
import { redact } from './git/redact.js';
import { GitError } from './git/run.js';
import { RevisionNotFoundError } from './git/source.js';
import { InvalidRangeError } from './git/tags.js';
import { VerificationError } from './git/verify-error.js';
import { EmptyRevisionError } from './render.js';

/** Why a Sync is where it is: the stage that failed, or how it went. */
export const SyncReason = {
  Succeeded: 'ReconciliationSucceeded',
  Progressing: 'Progressing',
  Suspended: 'Suspended',
  FetchFailed: 'FetchFailed',
  VerificationFailed: 'VerificationFailed',
  DependencyNotReady: 'DependencyNotReady',
  ValidationFailed: 'ValidationFailed',
  ApplyFailed: 'ApplyFailed',
  /** The API server's authorization refused a read, dry-run, apply or delete: granting the right fixes it, no new commit needed. */
  Forbidden: 'Forbidden',
  HealthCheckFailed: 'HealthCheckFailed',
  PruneFailed: 'PruneFailed',
} as const;

/** A reason of {@link SyncReason}. */
export type SyncReasonValue = (typeof SyncReason)[keyof typeof SyncReason];

/** A Sync of `spec.dependsOn` is not Ready at its current generation yet; the message names it. */
export class DependencyNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DependencyNotReadyError';
  }
}

/** A failed stage: its reason, a message naming what failed, and whether retrying the same revision can help. */
export interface SyncFailure {
  reason: SyncReasonValue;
  message: string;
  /** True when only a new revision (or a fixed Sync) can get past it: the Sync is Stalled. */
  stalled: boolean;
}

/** Conditions are shown by kubectl; longer messages are cut here. */
const MAX_MESSAGE = 4000;

/**
 * Which stage an error of a reconcile stopped at. `desired` is the set the revision holds: an
 * apply error that failed only on objects outside it failed while pruning. Messages are redacted
 * of `secrets` and of URL user information.
 */
export function classifyFailure(err: unknown, desired: readonly ObjectRef[], secrets: readonly string[] = []): SyncFailure {
  const text = (message: string): string => {
    const clean = redact(message, secrets);
    return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)} …` : clean;
  };
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof GitError || err instanceof RevisionNotFoundError || err instanceof CredentialsError) {
    return { reason: SyncReason.FetchFailed, message: text(message), stalled: false };
  }
  if (err instanceof VerificationError) return { reason: SyncReason.VerificationFailed, message: text(message), stalled: true };
  if (err instanceof DependencyNotReadyError) return { reason: SyncReason.DependencyNotReady, message: text(message), stalled: false };
  if (err instanceof ManifestError || err instanceof UnsafePathError || err instanceof EmptyRevisionError || err instanceof InvalidRangeError) {
    return { reason: SyncReason.ValidationFailed, message: text(message), stalled: true };
  }
  if (isApiError(err, 403) || (err instanceof ApplyError && err.failures.some((f) => f.reason === 'Forbidden'))) {
    return { reason: SyncReason.Forbidden, message: text(message), stalled: false };
  }
  if (err instanceof ApplyError) {
    if (err.cause instanceof WaitError) return { reason: SyncReason.HealthCheckFailed, message: text(message), stalled: false };
    if (!err.written && err.failures.length > 0) return { reason: SyncReason.ValidationFailed, message: text(message), stalled: true };
    const wanted = new Set(desired.map(keyOf));
    const refs = err.failures.map((f) => f.ref).filter((r): r is ObjectRef => !!r);
    if (err.written && refs.length > 0 && refs.every((r) => !wanted.has(keyOf(r)))) return { reason: SyncReason.PruneFailed, message: text(message), stalled: false };
  }
  if (err instanceof InventoryError) return { reason: SyncReason.ApplyFailed, message: text(message), stalled: false };
  return { reason: SyncReason.ApplyFailed, message: text(message), stalled: false };
}

/** The kstatus conditions of a failed reconcile. */
export function failedConditions(failure: SyncFailure): ConditionInput[] {
  return [
    { type: 'Ready', status: 'False', reason: failure.reason, message: failure.message },
    { type: 'Reconciling', status: failure.stalled ? 'False' : 'True', reason: failure.stalled ? failure.reason : 'RetryingAfterFailure', message: failure.stalled ? '' : `retrying: ${failure.reason}` },
    { type: 'Stalled', status: failure.stalled ? 'True' : 'False', reason: failure.stalled ? failure.reason : 'Retrying', message: failure.stalled ? failure.message : '' },
  ];
}

/** The kstatus conditions while a new revision is being applied: Ready is Unknown until it is done. */
export function progressingConditions(revision: string): ConditionInput[] {
  return [
    { type: 'Ready', status: 'Unknown', reason: SyncReason.Progressing, message: `applying revision ${revision}` },
    { type: 'Reconciling', status: 'True', reason: SyncReason.Progressing, message: `applying revision ${revision}` },
  ];
}

/** The kstatus conditions of a revision applied in full; the message stays the same while the revision does, so re-syncs write nothing. */
export function succeededConditions(revision: string): ConditionInput[] {
  return [
    { type: 'Ready', status: 'True', reason: SyncReason.Succeeded, message: `applied revision ${revision}` },
    { type: 'Reconciling', status: 'False', reason: SyncReason.Succeeded, message: '' },
    { type: 'Stalled', status: 'False', reason: SyncReason.Succeeded, message: '' },
  ];
}
