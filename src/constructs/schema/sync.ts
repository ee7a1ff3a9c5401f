import { Type } from '@sinclair/typebox';
import { Defaulted } from './defaulted.js';
import { defineCustomResource } from './custom-resource.js';

const DURATION = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
const COMMIT = '^[0-9a-f]{40}$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const LocalObjectReference = Type.Object({ name: Type.String({ minLength: 1, maxLength: 253, description: 'Name of the object in the Sync\'s namespace.' }) });

/** What `spec.verify.mode` checks: the commit's own signature, or the signature of the annotated tag pointing at it. */
export const SyncVerifyMode = { HEAD: 'HEAD', tag: 'tag' } as const;

/** The most applied revisions a Sync's history keeps. */
export const SYNC_HISTORY_LIMIT = 10;

/** One group of the objects a Sync applied: one apiVersion, kind and namespace, and the names. */
export const SyncInventoryGroupSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  namespace: Type.Optional(Type.String()),
  names: Type.Array(Type.String()),
});

/** One applied revision in a Sync's history. */
export const SyncHistoryEntrySchema = Type.Object({
  revision: Type.String({ description: 'The full commit SHA.' }),
  time: Type.String({ format: 'date-time' }),
  subject: Type.Optional(Type.String({ description: 'The commit subject.' })),
  created: Type.Integer({ minimum: 0 }),
  configured: Type.Integer({ minimum: 0 }),
  deleted: Type.Integer({ minimum: 0 }),
});

/**
 * A Sync keeps the objects under `path` of a git repository applied in the cluster: the sync agent
 * (`capstan agent`) fetches the revision `ref` names, applies it all or nothing, prunes what the
 * previous revision had and this one has not, and reverts drift. Its status holds the inventory.
 */
export const SyncType = defineCustomResource({
  group: 'capstan.dev',
  version: 'v1alpha1',
  kind: 'Sync',
  plural: 'syncs',
  categories: ['capstan'],
  description: 'Keeps the manifests under a path of a git repository applied in the cluster.',
  spec: Type.Object({
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: '^(https?://|ssh://|file://|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)',
      description: 'The repository: https://, http://, ssh://, file:// or user@host:path.',
    }),
    ref: Defaulted(Type.Object({
      branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Follow this branch.' })),
      tag: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Apply this tag.' })),
      semver: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Apply the highest tag whose version is in this semver range, e.g. ">=1.2 <2" (a leading v is allowed).' })),
      commit: Type.Optional(Type.String({ pattern: COMMIT, description: 'Apply this commit (full SHA).' })),
    }, { description: 'What to apply: one of branch, tag, semver or commit.', maxProperties: 1 }), { branch: 'main' }),
    path: Defaulted(Type.String({ minLength: 1, maxLength: 1024, description: 'Directory of the repository holding the manifests (.yaml, .yml, .json).' }), 'dist'),
    interval: Defaulted(Type.String({ pattern: DURATION, description: 'How often the remote is asked for a new revision.' }), '1m'),
    timeout: Defaulted(Type.String({ pattern: DURATION, description: 'Bound of one fetch and of all waits of one apply.' }), '5m'),
    prune: Defaulted(Type.Boolean({ description: 'Delete what the previous revision applied and this one no longer holds.' }), true),
    wait: Defaulted(Type.Boolean({ description: 'Wait until every object is healthy before pruning and reporting Ready.' }), true),
    allowEmpty: Defaulted(Type.Boolean({ description: 'Accept a revision without manifests, which with prune deletes everything the Sync applied.' }), false),
    suspend: Defaulted(Type.Boolean({ description: 'Stop fetching, applying and reverting drift until cleared.' }), false),
    secretRef: Type.Optional(Type.Object(LocalObjectReference.properties, {
      description: 'A Secret with username and password (kubernetes.io/basic-auth), or password alone as a token, for HTTPS; identity and known_hosts for SSH.',
    })),
    verify: Type.Optional(Type.Object({
      mode: Defaulted(Type.Union([Type.Literal(SyncVerifyMode.HEAD), Type.Literal(SyncVerifyMode.tag)], {
        description: 'HEAD: the commit must be signed; tag: the annotated tag pointing at the commit must be signed.',
      }), SyncVerifyMode.HEAD),
      secretRef: Type.Object(LocalObjectReference.properties, {
        description: 'A Secret of armored GPG public keys (any key names) and/or an SSH allowed_signers file (key allowed_signers).',
      }),
    }, { description: 'Apply only revisions signed by one of these keys; git itself checks the signature.' })),
    serviceAccountName: Type.Optional(Type.String({
      minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
      description: 'Read, validate, apply and prune as this ServiceAccount of the Sync\'s namespace (impersonated), with its rights only.',
    })),
    dependsOn: Type.Optional(Type.Array(Type.Object({
      name: Type.String({ minLength: 1, maxLength: 253, description: 'Name of the Sync.' }),
      namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: DNS_LABEL, description: 'Its namespace; default this Sync\'s.' })),
    }), { maxItems: 64, description: 'Syncs that must be Ready at their current generation before this one is applied.' })),
    targetNamespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Namespace of the namespaced objects that name none; default the Sync\'s.' })),
    webhook: Type.Optional(Type.Object({
      secretRef: Type.Object(LocalObjectReference.properties, { description: 'A Secret whose key `token` signs webhook deliveries.' }),
    })),
    revision: Type.Optional(Type.String({ pattern: COMMIT, description: 'Pins this commit (a rollback) until cleared; newer revisions of ref wait.' })),
  }),
  status: Type.Object({
    lastAttemptedRevision: Type.Optional(Type.String({ description: 'The commit the agent tried last.' })),
    lastAppliedRevision: Type.Optional(Type.String({ description: 'The commit applied last, all of it.' })),
    lastAppliedTime: Type.Optional(Type.String({ format: 'date-time', description: 'When the last change set was applied.' })),
    lastHandledReconcileAt: Type.Optional(Type.String({ description: 'The capstan.dev/reconcile-requested-at value handled last.' })),
    inventory: Type.Optional(Type.Array(SyncInventoryGroupSchema, { description: 'What the Sync applied: prune deletes from this record only.' })),
    history: Type.Optional(Type.Array(SyncHistoryEntrySchema, { maxItems: SYNC_HISTORY_LIMIT, description: 'The last applied revisions, newest first.' })),
  }),
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    { name: 'Revision', type: 'string', jsonPath: '.status.lastAppliedRevision' },
    { name: 'Message', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 0 },
  ],
});

/** Annotation that asks the agent to reconcile a Sync now (set by `capstan sync reconcile`). */
export const RECONCILE_REQUESTED_ANNOTATION = 'capstan.dev/reconcile-requested-at';
