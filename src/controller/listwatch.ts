import type { KubeClient, KubeList, KubeObject, WatchEvent, WatchHandle, WatchOptions } from '../k8s/index.js';
import { refOf, type Kind } from './kinds.js';

/** The two calls an informer makes: a (paged) list and a watch. */
export interface ListWatch<T extends KubeObject = KubeObject> {
  list(options: { limit?: number; continue?: string }): Promise<KubeList<T>>;
  watch(options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): WatchHandle;
}

/** Which objects of a kind an informer holds. */
export interface Scope {
  /** Only this namespace; all when omitted. */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

/** List and watch of `kind` through the KubeClient, restricted to `scope`. */
export function listWatchOf<T extends KubeObject = KubeObject>(client: KubeClient, kind: Kind, scope: Scope = {}): ListWatch<T> {
  const ref = refOf(kind, scope.namespace);
  return {
    list: (o) => client.list<T>(ref, { limit: o.limit, continue: o.continue, labelSelector: scope.labelSelector, fieldSelector: scope.fieldSelector }),
    watch: (o, onEvent) => client.watch<T>(ref, { ...o, labelSelector: scope.labelSelector, fieldSelector: scope.fieldSelector }, onEvent),
  };
}
