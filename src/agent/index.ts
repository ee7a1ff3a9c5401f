/**
 * The sync agent: a `Sync` controller that keeps a git repository's manifests applied through the
 * apply engine's `sync` verb, with its inventory in the Sync's status, drift repair and webhooks.
 */
export { registerAgent, type Agent, type AgentOptions } from './agent.js';
export { AGENT_FIELD_MANAGER, SyncController, serviceAccountUser } from './sync-controller.js';
export { SYNC_FINALIZER } from './finalizer.js';
export { SyncStatusInventory, groupInventory, ungroupInventory, type InventoryGroup } from './inventory-status.js';
export { WebhookReceiver, WEBHOOK_PORT, type WebhookReceiverOptions, type WebhookSubject } from './webhook/receiver.js';
export { checkSignature, hmacSha256, pushedBranch, type SignatureCheck, type WebhookProvider } from './webhook/signatures.js';
export { SyncReason, classifyFailure, DependencyNotReadyError, type SyncFailure } from './conditions.js';
export { recordHistory, describeRevision, type HistoryEntry } from './history.js';
export { GitSource, type GitReference, type ResolvedReference, type Commit, type CommittedFile, type SourceLimits } from './git/source.js';
export { VerificationError } from './git/verify-error.js';
export { InvalidRangeError, highestInRange } from './git/tags.js';
export { redact } from './git/redact.js';
export { getSync, pickRevision, pinRevision, readyCondition, requestReconcile, setSuspended, syncRef, unpinRevision, SyncNotFoundError, InvalidRevisionError, type SyncCondition, type SyncObject } from './steer.js';
