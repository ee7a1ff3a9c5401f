import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_FIELD_MANAGER } from '../agent/sync-controller.js';
import { secretsOf, syncCredentials } from '../agent/credentials.js';
import { GitSource } from '../agent/git/source.js';
import { redact } from '../agent/git/redact.js';
import { renderFiles } from '../agent/render.js';
import type { SyncObject } from '../agent/steer.js';
import { heldByCaller, ResourceManager, type InventoryStore, type Manifest, type ObjectRef } from '../apply/index.js';
import { parseApiVersion, type KubeClient, type KubeObject } from '../k8s/index.js';
import { withResolve } from './git-resolve.js';

/** The diff of one object against its manifest in the applied revision, or why there is none. */
export interface DesiredDiff { diff: string | null; note: string | null }

const REVISIONS_KEPT = 4;
const DIFFS_KEPT = 128;
const FETCH_TIMEOUT_MS = 30_000;

/**
 * Diffs a live object against what the agent would write for it from the Sync's applied revision:
 * the revision is fetched (shallow, into a cache of this process) and rendered as the agent renders
 * it, and the object's manifest goes through the apply engine's `diff` (a server-side dry-run, Secret
 * values masked). Rendered revisions and diffs are kept, by revision and by the object's
 * resourceVersion, so an unchanged object costs nothing more.
 */
export class DesiredState {
  private readonly cacheDir = mkdtempSync(join(tmpdir(), 'capstan-dashboard-git-'));
  private readonly source = new GitSource(this.cacheDir);
  private readonly revisions = new Map<string, Promise<Manifest[]>>();
  private readonly diffs = new Map<string, Promise<DesiredDiff>>();

  /** `hostAliases`: host name → address, for names this machine resolves otherwise than the cluster's pods do. */
  constructor(private readonly client: KubeClient, private readonly hostAliases: Readonly<Record<string, string>> = {}) {}

  /** The diff of `live` against its manifest at `sync`'s applied revision. */
  diffOf(sync: SyncObject, live: KubeObject): Promise<DesiredDiff> {
    const sha = sync.status?.lastAppliedRevision;
    if (!sha) return Promise.resolve({ diff: null, note: 'the Sync has applied no revision yet' });
    const key = `${live.metadata.uid}|${live.metadata.resourceVersion}|${sha}`;
    let pending = this.diffs.get(key);
    if (!pending) {
      pending = this.compute(sync, sha, live);
      remember(this.diffs, key, pending, DIFFS_KEPT);
    }
    return pending;
  }

  /** Removes the fetched repositories. */
  close(): void {
    rmSync(this.cacheDir, { recursive: true, force: true });
  }

  private async compute(sync: SyncObject, sha: string, live: KubeObject): Promise<DesiredDiff> {
    const namespace = sync.metadata.namespace!;
    const spec = sync.spec as SyncObject['spec'] & { secretRef?: { name: string }; targetNamespace?: string; allowEmpty?: boolean };
    let manifests: Manifest[];
    try {
      manifests = await this.rendered(sync, sha);
    } catch (err) {
      return { diff: null, note: `cannot read revision ${sha.slice(0, 12)} from ${sync.spec.url}: ${(err as Error).message}` };
    }
    const defaultNamespace = spec.targetNamespace ?? namespace;
    const { group } = parseApiVersion(live.apiVersion ?? '');
    const manifest = manifests.find((m) => parseApiVersion(m.object.apiVersion ?? '').group === group && m.object.kind === live.kind
      && m.object.metadata.name === live.metadata.name && (live.metadata.namespace === undefined || (m.object.metadata.namespace ?? defaultNamespace) === live.metadata.namespace));
    if (!manifest) return { diff: null, note: `revision ${sha.slice(0, 12)} has no manifest of this object: a controller made it` };
    const ref: ObjectRef = { apiVersion: live.apiVersion ?? '', kind: live.kind ?? '', namespace: live.metadata.namespace, name: live.metadata.name ?? '' };
    const engine = new ResourceManager(this.client, { fieldManager: AGENT_FIELD_MANAGER, defaultNamespace });
    const set = await engine.diff([manifest], { inventory: singleObjectInventory(namespace, sync.metadata.name!, ref) });
    const entry = set.entries.find((e) => e.ref.kind === ref.kind && e.ref.name === ref.name);
    if (!entry) return { diff: null, note: 'the apply engine returned no entry for this object' };
    if (entry.action === 'failed') return { diff: null, note: `the next apply would fail: ${entry.message ?? ''}` };
    return { diff: entry.diff ?? '', note: null };
  }

  private rendered(sync: SyncObject, sha: string): Promise<Manifest[]> {
    const spec = sync.spec as SyncObject['spec'] & { secretRef?: { name: string }; allowEmpty?: boolean };
    const path = spec.path ?? 'dist';
    const key = `${sync.spec.url}|${sha}|${path}`;
    let pending = this.revisions.get(key);
    if (!pending) {
      pending = (async () => {
        const credentials = await syncCredentials(secretsOf(this.client), sync.metadata.namespace!, spec.secretRef);
        const auth = { ...credentials, env: withResolve(credentials.env, sync.spec.url, this.hostAliases) };
        try {
          await this.source.fetch(sync.spec.url, sha, sync.spec.ref ?? { branch: 'main' }, auth, FETCH_TIMEOUT_MS);
          return renderFiles(await this.source.files(sync.spec.url, sha, path), { path, revision: sha, allowEmpty: true });
        } catch (err) {
          throw new Error(redact((err as Error).message, auth.secrets), { cause: err });
        } finally {
          await credentials.dispose();
        }
      })();
      pending.catch(() => this.revisions.delete(key));
      remember(this.revisions, key, pending, REVISIONS_KEPT);
    }
    return pending;
  }
}

/**
 * The Sync's inventory as `diff` needs it for one object: the Sync's id, so the object's ownership
 * mark is judged as the agent's, and a record of only that object, so no prune is computed.
 */
function singleObjectInventory(namespace: string, name: string, ref: ObjectRef): InventoryStore {
  return {
    id: `Sync/${namespace}/${name}`,
    name,
    namespace,
    objects: [{ apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', namespace, name }],
    lock: () => Promise.resolve(heldByCaller),
    load: () => Promise.resolve([ref]),
    checkCapacity: () => undefined,
    save: () => Promise.reject(new Error('the dashboard never writes an inventory')),
  };
}

function remember<T>(map: Map<string, T>, key: string, value: T, limit: number): void {
  map.set(key, value);
  while (map.size > limit) map.delete(map.keys().next().value!);
}
