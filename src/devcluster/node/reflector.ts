import { isGone, type KubeClient, type KubeObject, type ResourceRef, type WatchEvent } from '../../k8s/index.js';

/** What a reflector reports: an object was added or changed, or was deleted. */
export type ReflectorHandler<T extends KubeObject> = (type: 'upsert' | 'delete', object: T) => void;

/**
 * Keeps a map of all objects of one resource current: list, then watch from the list's
 * resourceVersion; on a dropped stream resume from the last version seen, on 410 Gone list again.
 * The node agent's own small informer (the operator runtime has the full one).
 */
export class Reflector<T extends KubeObject> {
  /** Current objects by namespace/name. */
  readonly store = new Map<string, T>();
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private synced!: () => void;
  /** Resolves once the first list has been delivered. */
  readonly hasSynced = new Promise<void>((resolve) => (this.synced = resolve));

  constructor(
    private readonly client: KubeClient,
    private readonly ref: ResourceRef,
    private readonly handler: ReflectorHandler<T>,
    private readonly selectors: { labelSelector?: string; fieldSelector?: string } = {},
  ) {}

  /** Starts listing and watching in the background until {@link stop}. */
  start(): void {
    void this.run();
  }

  /** Stops the watch. */
  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  private async run(): Promise<void> {
    let resourceVersion: string | undefined;
    while (!this.stopped) {
      try {
        if (!resourceVersion) resourceVersion = await this.relist();
        const handle = this.client.watch<T>(this.ref, { ...this.selectors, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 }, (event) => {
          resourceVersion = this.apply(event) ?? resourceVersion;
        });
        this.stopWatch = handle.stop;
        await handle.done;
      } catch (err) {
        if (this.stopped) return;
        if (isGone(err) || (err as { gone?: boolean }).gone) resourceVersion = undefined;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async relist(): Promise<string | undefined> {
    const list = await this.client.list<T>(this.ref, this.selectors);
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = keyOf(item);
      seen.add(key);
      this.store.set(key, item);
      this.handler('upsert', item);
    }
    for (const [key, item] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.handler('delete', item);
      }
    }
    this.synced();
    return list.metadata.resourceVersion;
  }

  /** Applies one watch event; returns the resourceVersion to resume from. */
  private apply(event: WatchEvent<T>): string | undefined {
    if (event.type === 'ERROR') {
      const status = event.object as unknown as { code?: number };
      throw Object.assign(new Error(`watch of ${this.ref.resource} failed: ${JSON.stringify(status)}`), { gone: status.code === 410 });
    }
    const rv = event.object.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') return rv;
    const key = keyOf(event.object);
    if (event.type === 'DELETED') {
      this.store.delete(key);
      this.handler('delete', event.object);
    } else {
      this.store.set(key, event.object);
      this.handler('upsert', event.object);
    }
    return rv;
  }
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name!;
}
