import { RECONCILE_REQUESTED_ANNOTATION, SyncType } from '../constructs/schema/index.js';
import type { KubeClient, KubeObject, ResourceRef } from '../k8s/index.js';

/** A condition of a Sync's status. */
export interface SyncCondition { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }

/** A Sync as read from the API server, with the fields the verbs below and the views read. */
export interface SyncObject extends KubeObject {
  spec: {
    url: string; ref?: { branch?: string; tag?: string; semver?: string; commit?: string }; path?: string; interval?: string; suspend?: boolean; revision?: string;
    verify?: { mode?: string; secretRef: { name: string } }; serviceAccountName?: string; dependsOn?: { name: string; namespace?: string }[];
  };
  status?: {
    lastAppliedRevision?: string; lastAttemptedRevision?: string; lastAppliedTime?: string; lastHandledReconcileAt?: string;
    observedGeneration?: number;
    conditions?: SyncCondition[];
    inventory?: { apiVersion: string; kind: string; namespace?: string; names: string[] }[];
    history?: { revision: string; time: string; subject?: string; created: number; configured: number; deleted: number }[];
  };
}

/** The REST location of the Syncs of `namespace` (all when omitted), or of one. */
export function syncRef(namespace: string | undefined, name?: string, subresource?: string): ResourceRef {
  return { group: SyncType.group, version: SyncType.version, resource: SyncType.plural, namespace, name, subresource };
}

/** Reads one Sync; throws, saying how to list them, when it does not exist. */
export async function getSync(client: KubeClient, namespace: string, name: string): Promise<SyncObject> {
  const s = await client.get<SyncObject>(syncRef(namespace, name));
  if (!s) throw new SyncNotFoundError(namespace, name);
  return s;
}

/** There is no Sync of that name. */
export class SyncNotFoundError extends Error {
  constructor(readonly namespace: string, readonly syncName: string) {
    super(`no Sync ${namespace}/${syncName}: see \`capstan sync list -A\``);
    this.name = 'SyncNotFoundError';
  }
}

/** The Sync's `Ready` condition. */
export const readyCondition = (s: SyncObject): SyncCondition | undefined => s.status?.conditions?.find((c) => c.type === 'Ready');

/**
 * Asks the agent to reconcile now: sets the reconcile-requested annotation to the current time and
 * resolves that value, which the agent copies to `status.lastHandledReconcileAt` once it is done.
 */
export async function requestReconcile(client: KubeClient, namespace: string, name: string): Promise<string> {
  await getSync(client, namespace, name);
  const requested = new Date().toISOString();
  await client.patch(syncRef(namespace, name), 'merge', { metadata: { annotations: { [RECONCILE_REQUESTED_ANNOTATION]: requested } } });
  return requested;
}

/** Suspends (or resumes) a Sync: while suspended the agent fetches, applies and repairs nothing. */
export async function setSuspended(client: KubeClient, namespace: string, name: string, suspended: boolean): Promise<void> {
  await getSync(client, namespace, name);
  await client.patch(syncRef(namespace, name), 'merge', { spec: { suspend: suspended } });
}

/** Pins a Sync to `revision` (a rollback): newer revisions of its ref wait until {@link unpinRevision}. Resolves the full SHA pinned. */
export async function pinRevision(client: KubeClient, namespace: string, name: string, revision: string): Promise<string> {
  const sha = pickRevision(await getSync(client, namespace, name), revision);
  await client.patch(syncRef(namespace, name), 'merge', { spec: { revision: sha } });
  return sha;
}

/** Clears a Sync's pin, so it follows its ref again. */
export async function unpinRevision(client: KubeClient, namespace: string, name: string): Promise<void> {
  await getSync(client, namespace, name);
  await client.patch(syncRef(namespace, name), 'merge', { spec: { revision: null } });
}

/** A revision that names no commit of a Sync's history, or is not a SHA at all. */
export class InvalidRevisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRevisionError';
  }
}

/** The full SHA `given` names: a history entry it prefixes, or itself when it is a full SHA; else {@link InvalidRevisionError}. */
export function pickRevision(sync: SyncObject, given: string): string {
  const wanted = given.trim().toLowerCase();
  if (/^[0-9a-f]{40}$/.test(wanted)) return wanted;
  if (!/^[0-9a-f]{7,39}$/.test(wanted)) throw new InvalidRevisionError(`revision "${given}" is not a commit SHA: give a full SHA, or at least 7 hex characters of one in \`capstan sync history ${sync.metadata.name}\``);
  const matches = [...new Set((sync.status?.history ?? []).map((h) => h.revision).filter((r) => r.startsWith(wanted)))];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new InvalidRevisionError(`revision ${given} matches ${matches.length} commits of the history (${matches.join(', ')}): give more characters`);
  throw new InvalidRevisionError(`revision ${given} is not in the history of Sync ${sync.metadata.namespace}/${sync.metadata.name}: give the full SHA`);
}
