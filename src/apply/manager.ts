import { Discovery, type KubeClient } from '../k8s/index.js';
import type { ChangeSet } from './changeset.js';
import type { Engine } from './engine.js';
import type { InventoryStore } from './inventory.js';
import { diff, type DiffOptions } from './manager-diff.js';
import { prune, type PruneOptions, type PruneResult } from './manager-prune.js';
import { sync, type SyncEvent, type SyncOptions, type SyncResult } from './manager-sync.js';
import { waitHealthy } from './manager-wait.js';
import type { Manifest, ObjectRef } from './objects.js';
import type { WaitOptions } from './wait.js';

/** How a {@link ResourceManager} works. */
export interface ResourceManagerOptions {
  /**
   * Field manager of server-side apply.
   * @default 'capstan'
   */
  fieldManager?: string;
  /**
   * Requests in flight at once.
   * @default 32
   */
  concurrency?: number;
  /**
   * Namespace for namespaced objects that name none.
   * @default the client's context namespace
   */
  defaultNamespace?: string;
  /**
   * Shared discovery cache.
   * @default a new one
   */
  discovery?: Discovery;
  /**
   * Always ask the server by dry-run, even when managed fields prove an object unchanged.
   * @default false
   */
  alwaysDryRun?: boolean;
}

/** Options of {@link ResourceManager.applyAll}: a sync without inventory. */
export type ApplyOptions = Pick<SyncOptions, 'force' | 'dryRun' | 'adopt' | 'allowEmpty' | 'timeoutMs' | 'wait'> & {
  /** Progress: stages, each object as it is written, and waits. */
  onEvent?: ((event: SyncEvent) => void) | undefined;
};

/**
 * The apply engine's library API, used by the CLI and the sync agent. Its verbs each live in a
 * file of their own and return a {@link ChangeSet}: `sync` (record, apply in stages, wait, prune,
 * record), `applyAll` (apply only), `diff`, `wait` and `prune`.
 */
export class ResourceManager implements Engine {
  readonly client: KubeClient;
  readonly discovery: Discovery;
  readonly fieldManager: string;
  readonly concurrency: number;
  readonly defaultNamespace: string;
  readonly alwaysDryRun: boolean;

  constructor(client: KubeClient, options: ResourceManagerOptions = {}) {
    this.client = client;
    this.discovery = options.discovery ?? new Discovery(client);
    this.fieldManager = options.fieldManager ?? 'capstan';
    this.concurrency = options.concurrency ?? 32;
    this.defaultNamespace = options.defaultNamespace ?? client.defaultNamespace;
    this.alwaysDryRun = options.alwaysDryRun ?? false;
  }

  /** See {@link sync}: the whole deploy of a set for an inventory (or, without one, its apply). */
  sync(manifests: Manifest[], inventory: InventoryStore | undefined, options?: SyncOptions): Promise<SyncResult> {
    return sync(this, manifests, inventory, options);
  }

  /**
   * Applies every object, all or nothing, in stages, writing only objects that would change; no
   * inventory is recorded and nothing is pruned.
   */
  async applyAll(manifests: Manifest[], options: ApplyOptions = {}): Promise<ChangeSet> {
    const { entries } = await sync(this, manifests, undefined, { ...options, prune: false });
    return { entries };
  }

  /** See {@link diff}. */
  diff(manifests: Manifest[], options?: DiffOptions): Promise<ChangeSet> {
    return diff(this, manifests, options);
  }

  /** See {@link waitHealthy}. */
  wait(changeSet: ChangeSet, options: WaitOptions): Promise<ChangeSet> {
    return waitHealthy(this, changeSet, options);
  }

  /** See {@link prune}. */
  prune(previous: ObjectRef[], desired: ObjectRef[], options: PruneOptions): Promise<PruneResult> {
    return prune(this, previous, desired, options);
  }
}
