import type { KubeClient, KubeObject } from '../k8s/index.js';
import { Informer, type InformerOptions } from './informer.js';
import type { Kind } from './kinds.js';
import { listWatchOf, type ListWatch, type Scope } from './listwatch.js';

/** Makes the list/watch source of an informer; the default goes through the KubeClient. */
export type ListWatchFactory = (kind: Kind, scope: Scope) => ListWatch;

/** The identity of a shared informer: kind plus scope. */
export function informerKey(kind: Kind, scope: Scope = {}): string {
  return [kind.apiVersion, kind.resource, scope.namespace ?? '*', scope.labelSelector ?? '', scope.fieldSelector ?? ''].join('|');
}

/**
 * One informer per kind and scope, shared by every controller that asks for it, so N controllers
 * watching ConfigMaps cost one list and one watch. Informers asked for after {@link start} start at once.
 */
export class SharedInformers {
  private readonly informers = new Map<string, Informer>();
  private started = false;

  constructor(
    private readonly client: KubeClient,
    private readonly defaults: Omit<InformerOptions, 'name'> = {},
    private readonly source: ListWatchFactory = (kind, scope) => listWatchOf(client, kind, scope),
  ) {}

  /** The informer of `kind` in `scope`, created on first use. */
  informerFor<T extends KubeObject = KubeObject>(kind: Kind, scope: Scope = {}): Informer<T> {
    const key = informerKey(kind, scope);
    let informer = this.informers.get(key);
    if (!informer) {
      const where = [scope.namespace ? `in ${scope.namespace}` : '', scope.labelSelector ? `with ${scope.labelSelector}` : ''].filter(Boolean).join(' ');
      informer = new Informer(this.source(kind, scope), { ...this.defaults, name: `${kind.resource}.${kind.apiVersion}${where ? ` ${where}` : ''}` });
      this.informers.set(key, informer);
      if (this.started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** Every informer created so far. */
  all(): Informer[] {
    return [...this.informers.values()];
  }

  /** Whether every informer has synced. */
  get hasSynced(): boolean {
    return this.all().every((i) => i.hasSynced);
  }

  /** Starts every informer, now and as they are created. */
  start(): void {
    this.started = true;
    for (const i of this.informers.values()) i.start();
  }

  /** Stops every informer. */
  async stop(): Promise<void> {
    await Promise.all(this.all().map((i) => i.stop()));
  }
}
