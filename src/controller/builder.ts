import type { KubeObject } from '../k8s/index.js';
import type { BackoffOptions } from './backoff.js';
import type { ControllerSpec, MapFunc, Reconciler } from './controller.js';
import type { Kind } from './kinds.js';
import type { Scope } from './listwatch.js';

/**
 * Builds a controller the way controller-runtime's builder does:
 * `mgr.controller('mirror').for(Mirror).owns(Kinds.ConfigMap).complete(reconcile)`.
 */
export class ControllerBuilder<T extends KubeObject = KubeObject> {
  private forKind: { kind: Kind; scope?: Scope | undefined } | undefined;
  private readonly ownsKinds: ControllerSpec['owns'] = [];
  private readonly watchesKinds: ControllerSpec['watches'] = [];
  private options: { maxConcurrentReconciles?: number; backoff?: BackoffOptions; reconcileOnStatusChange?: boolean } = {};

  constructor(
    private readonly name: string,
    private readonly register: (spec: ControllerSpec<T>) => void,
  ) {}

  /** The kind this controller reconciles, optionally only in `scope` (a namespace, a label selector). */
  for<U extends KubeObject = T>(kind: Kind, scope?: Scope): ControllerBuilder<U> {
    if (this.forKind) throw new Error(`controller ${this.name}: for() was already called with ${this.forKind.kind.kind}; a controller reconciles one kind`);
    this.forKind = { kind, scope };
    return this as unknown as ControllerBuilder<U>;
  }

  /** A kind this controller creates; a change to one reconciles its controlling owner. */
  owns(kind: Kind, scope?: Scope): this {
    this.ownsKinds.push({ kind, scope });
    return this;
  }

  /** Another kind whose changes map, through `map`, to requests of this controller. */
  watches(kind: Kind, map: MapFunc, scope?: Scope): this {
    this.watchesKinds.push({ kind, map, scope });
    return this;
  }

  /** Concurrency, backoff, and whether status-only updates of the `for` kind trigger reconciles (default not). */
  withOptions(options: { maxConcurrentReconciles?: number; backoff?: BackoffOptions; reconcileOnStatusChange?: boolean }): this {
    this.options = { ...this.options, ...options };
    return this;
  }

  /** Registers the controller with its reconciler. */
  complete(reconcile: Reconciler<T>): void {
    if (!this.forKind) throw new Error(`controller ${this.name}: call for(kind) before complete()`);
    this.register({ name: this.name, for: this.forKind, owns: this.ownsKinds, watches: this.watchesKinds, reconcile, ...this.options });
  }
}
