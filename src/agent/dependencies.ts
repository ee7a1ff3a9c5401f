import type { Request } from '../controller/index.js';
import type { KubeObject } from '../k8s/index.js';

/** One entry of `spec.dependsOn`: a Sync, in this Sync's namespace unless it names another. */
export interface SyncDependency {
  name: string;
  namespace?: string | undefined;
}

interface ConditionLike {
  type?: string;
  status?: string;
  observedGeneration?: number;
}

/**
 * Why the dependency `namespace/name` (as read now, `undefined` when missing) is not Ready at its
 * current generation, or `undefined` when it is: Ready=True, observed at `metadata.generation`.
 */
export function dependencyNotReady(namespace: string, name: string, sync: KubeObject | undefined): string | undefined {
  const what = `Sync ${namespace}/${name}`;
  if (!sync) return `waiting for ${what}, which does not exist`;
  if (sync.metadata.deletionTimestamp) return `waiting for ${what}, which is being deleted`;
  const status = (sync['status'] ?? {}) as { observedGeneration?: number; conditions?: ConditionLike[] };
  const generation = sync.metadata.generation;
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  if (status.observedGeneration !== generation || (ready?.observedGeneration !== undefined && ready.observedGeneration !== generation)) {
    return `waiting for ${what} to reconcile its generation ${generation}`;
  }
  if (ready?.status !== 'True') return `waiting for ${what} to be Ready (Ready is ${ready?.status ?? 'not reported'})`;
  return undefined;
}

/**
 * Which Syncs wait for which, as their last reconciles declared it, so that a dependency turning
 * Ready (or not) requeues exactly the Syncs that wait for it: a watch, not a poll.
 */
export class DependencyTracker {
  private readonly waiting = new Map<string, Set<string>>();
  private readonly declared = new Map<string, string[]>();
  private readonly ready = new Map<string, boolean>();

  /** Records what Sync `namespace/name` depends on now (an empty list forgets it). */
  declare(namespace: string, name: string, dependsOn: readonly SyncDependency[]): void {
    const self = `${namespace}/${name}`;
    for (const dep of this.declared.get(self) ?? []) this.waiting.get(dep)?.delete(self);
    const deps = dependsOn.map((d) => `${d.namespace ?? namespace}/${d.name}`);
    if (deps.length === 0) this.declared.delete(self);
    else this.declared.set(self, deps);
    for (const dep of deps) {
      let set = this.waiting.get(dep);
      if (!set) this.waiting.set(dep, (set = new Set()));
      set.add(self);
    }
  }

  /** Forgets a deleted Sync: what it waited for, and how ready it was last seen. */
  forget(namespace: string, name: string): void {
    this.declare(namespace, name, []);
    this.ready.delete(`${namespace}/${name}`);
  }

  /**
   * The Syncs to requeue for an event about Sync `obj`: those waiting for it, when its readiness
   * differs from what was last seen of it, so its other status writes requeue nothing.
   */
  changed(obj: KubeObject): Request[] {
    const id = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    const ready = dependencyNotReady(obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj) === undefined;
    if (this.ready.get(id) === ready) return [];
    this.ready.set(id, ready);
    return [...(this.waiting.get(id) ?? [])].map((key) => {
      const slash = key.indexOf('/');
      return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
    });
  }
}
