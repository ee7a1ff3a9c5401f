import { hostname } from 'node:os';
import type { KubeClient, KubeObject } from '../k8s/index.js';
import { ControllerBuilder } from './builder.js';
import { Controller, type ControllerSpec } from './controller.js';
import { EventRecorder } from './events.js';
import type { InformerOptions } from './informer.js';
import type { Kind } from './kinds.js';
import type { Scope } from './listwatch.js';
import { LeaderElector, type LeaderElectionOptions } from './leaderelection.js';
import { jsonLogger, type Logger } from './logger.js';
import { RuntimeMetrics } from './metrics.js';
import { ProbeServer } from './server.js';
import { SharedInformers } from './shared.js';

/** Options of a {@link Manager}. */
export interface ManagerOptions {
  client: KubeClient;
  /** The operator's name: field manager `capstan-<name>`, events from `capstan.dev/<name>`, lease `<name>-leader` by default. */
  name: string;
  /**
   * Lease leader election, so that one replica reconciles at a time. `false` (the default) runs
   * the controllers at once. Namespace is required; name defaults to `<name>-leader`.
   */
  leaderElection?: false | (Omit<LeaderElectionOptions, 'name' | 'identity'> & { name?: string });
  /**
   * Watch namespaced kinds only in this namespace, unless a controller's scope names another: an
   * operator installed with a namespaced Role may not list cluster-wide. Default: all namespaces.
   */
  namespace?: string | undefined;
  /** This replica's identity (in the Lease and Events); default `$POD_NAME`, else hostname plus pid. */
  identity?: string;
  /** Serve /metrics, /healthz, /readyz on this port (0: any free port); `false` to serve nothing. Default 8080. */
  port?: number | false;
  /** Address to listen on. Default 0.0.0.0. */
  host?: string;
  /** How long shutdown waits for in-flight reconciles. Default 30 000 ms. */
  gracefulShutdownMs?: number;
  /** Options every informer gets (managedFields stripping, watchdog). */
  informers?: Omit<InformerOptions, 'name' | 'logger'>;
  logger?: Logger;
  /** Metrics to report into; default a fresh registry with process metrics. */
  metrics?: RuntimeMetrics;
}

/**
 * Runs many controllers on shared informers: starts the informers (followers keep warm caches),
 * campaigns for the Lease when leader election is on, starts the controllers once leading, serves
 * metrics and probes, and shuts down gracefully: stop taking work, finish in-flight reconciles,
 * release the lease, stop the informers.
 */
export class Manager {
  readonly client: KubeClient;
  readonly name: string;
  readonly identity: string;
  readonly informers: SharedInformers;
  readonly metrics: RuntimeMetrics;
  readonly events: EventRecorder;
  readonly logger: Logger;
  /** `capstan-<name>`. */
  readonly fieldManager: string;
  private readonly controllers: Controller[] = [];
  private elector: LeaderElector | undefined;
  private server: ProbeServer | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private leading = false;
  private resolveDone!: (err: Error | undefined) => void;
  /** Settles when the manager has stopped: `undefined` after a clean stop, an Error when leadership was lost. */
  readonly done: Promise<Error | undefined>;
  private boundPort: number | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.client = options.client;
    this.name = options.name;
    this.identity = options.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
    this.logger = options.logger ?? jsonLogger();
    this.metrics = options.metrics ?? new RuntimeMetrics();
    this.informers = new SharedInformers(options.client, { ...options.informers, logger: this.logger });
    this.fieldManager = `capstan-${options.name}`;
    this.events = new EventRecorder(options.client, `capstan.dev/${options.name}`, this.identity, this.logger);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Starts building a controller named `name`; finish with `.complete(reconcile)`. */
  controller<T extends KubeObject = KubeObject>(name: string): ControllerBuilder<T> {
    return new ControllerBuilder<T>(name, (spec) => this.add(spec));
  }

  /** Adds a controller from its spec. Controllers are added before {@link start}. */
  add<T extends KubeObject>(spec: ControllerSpec<T>): Controller<T> {
    if (this.state !== 'new') throw new Error(`manager ${this.name}: add controller ${spec.name} before start()`);
    if (this.controllers.some((c) => c.name === spec.name)) throw new Error(`manager ${this.name}: a controller named ${spec.name} already exists; names label metrics and must be unique`);
    const namespace = this.options.namespace;
    if (namespace) {
      const scoped = <W extends { kind: Kind; scope?: Scope | undefined }>(w: W): W =>
        w.kind.namespaced && !w.scope?.namespace ? { ...w, scope: { ...w.scope, namespace } } : w;
      spec = { ...spec, for: scoped(spec.for), owns: spec.owns.map(scoped), watches: spec.watches.map(scoped) };
    }
    const c = new Controller<T>(spec, { client: this.client, informers: this.informers, metrics: this.metrics, logger: this.logger, fieldManager: this.fieldManager, events: this.events });
    this.controllers.push(c as unknown as Controller);
    return c;
  }

  /** Whether this replica runs the controllers now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The port metrics and probes are served on, once started. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Whether every informer has synced (what /readyz reports). */
  get hasSynced(): boolean {
    return this.informers.hasSynced;
  }

  /** Starts serving, caching and (when elected, or at once) reconciling. Resolves once started, not when leading. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`manager ${this.name} was already started`);
    this.state = 'running';
    const port = this.options.port ?? 8080;
    if (port !== false) {
      this.server = new ProbeServer(
        this.metrics.registry,
        [() => (this.state === 'stopped' ? 'manager stopped' : undefined)],
        [
          () => (this.state !== 'running' ? `manager is ${this.state}` : undefined),
          () => {
            const waiting = this.informers.all().filter((i) => !i.hasSynced).length;
            return waiting > 0 ? `${waiting} informer(s) not synced yet` : undefined;
          },
        ],
      );
      this.boundPort = await this.server.listen(port, this.options.host);
    }
    this.informers.start();
    const le = this.options.leaderElection;
    if (!le) {
      this.startLeading();
      return;
    }
    this.metrics.leaderStatus.set({ name: le.name ?? `${this.name}-leader` }, 0);
    this.elector = new LeaderElector(this.client, { ...le, name: le.name ?? `${this.name}-leader`, identity: this.identity }, {
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => void this.stop(new Error(`manager ${this.name} (${this.identity}) lost the lease ${le.namespace}/${le.name ?? `${this.name}-leader`}; exiting so a fresh replica can campaign`)),
      onNewLeader: (id) => this.logger.info('leader is', { identity: id }),
    }, this.logger);
    this.elector.start();
  }

  /**
   * Graceful shutdown: stop handing out work, wait (up to gracefulShutdownMs) for reconciles in
   * flight, release the lease, stop informers and the server. `reason` marks an abnormal stop.
   */
  async stop(reason?: Error): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return void (await this.done);
    const wasNew = this.state === 'new';
    this.state = 'stopping';
    if (reason) this.logger.error('stopping', { error: reason.message });
    else this.logger.info('stopping: finishing in-flight reconciles');
    if (!wasNew) {
      await Promise.all(this.controllers.map((c) => c.stop(this.options.gracefulShutdownMs ?? 30_000)));
      this.leading = false;
      if (this.elector) {
        await this.elector.stop(!reason);
        this.metrics.leaderStatus.set({ name: this.options.leaderElection ? this.options.leaderElection.name ?? `${this.name}-leader` : this.name }, 0);
      }
      await this.informers.stop();
      await this.server?.close();
    }
    this.state = 'stopped';
    this.logger.info('stopped');
    this.resolveDone(reason);
  }

  /**
   * Starts, stops gracefully on SIGTERM or SIGINT, and resolves when stopped; rejects when
   * leadership was lost (exit non-zero so the pod restarts).
   */
  async run(): Promise<void> {
    const onSignal = (signal: NodeJS.Signals): void => {
      this.logger.info('signal received', { signal });
      void this.stop();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      await this.start();
      const err = await this.done;
      if (err) throw err;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  }

  private startLeading(): void {
    if (this.state !== 'running') return;
    this.leading = true;
    const le = this.options.leaderElection;
    if (le) this.metrics.leaderStatus.set({ name: le.name ?? `${this.name}-leader` }, 1);
    for (const c of this.controllers) {
      c.start().catch((err: unknown) => this.logger.error('controller failed to start', { controller: c.name, error: String(err) }));
    }
  }
}
