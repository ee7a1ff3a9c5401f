import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestCounter } from '../k8s/index.js';
import type { QueueMetrics } from './workqueue.js';

const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60];
const QUEUE_BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

/** Outcome label of `controller_runtime_reconcile_total`. */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';

/**
 * The runtime's Prometheus metrics, named as controller-runtime names them so existing dashboards
 * and alerts work: controller_runtime_reconcile_*, workqueue_*, leader_election_master_status.
 * Each Manager has its own registry, so two managers in one process do not collide.
 */
export class RuntimeMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly queueDepth: Gauge<'controller' | 'name'>;
  readonly queueAdds: Counter<'controller' | 'name'>;
  readonly queueDuration: Histogram<'controller' | 'name'>;
  readonly workDuration: Histogram<'controller' | 'name'>;
  readonly queueRetries: Counter<'controller' | 'name'>;
  readonly leaderStatus: Gauge<'name'>;
  readonly restRequests: Counter<'method' | 'resource'>;
  /** Counts a client's requests into `rest_client_requests_total`: pass it to the KubeClient the manager uses. */
  readonly requests: RequestCounter;

  constructor(options: { registry?: Registry; processMetrics?: boolean } = {}) {
    const registers = [(this.registry = options.registry ?? new Registry())];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers });
    this.reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers });
    this.reconcileTime = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: RECONCILE_BUCKETS, registers });
    this.maxConcurrentReconciles = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers });
    this.activeWorkers = new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers });
    this.queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['controller', 'name'], registers });
    this.queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['controller', 'name'], registers });
    this.queueDuration = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['controller', 'name'], buckets: QUEUE_BUCKETS, registers });
    this.workDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['controller', 'name'], buckets: QUEUE_BUCKETS, registers });
    this.queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['controller', 'name'], registers });
    // client-go's name. A watch is counted as method WATCH and each request by resource, so idle cost
    // (requests other than watches and the leader Lease) reads off the series.
    this.restRequests = new Counter({ name: 'rest_client_requests_total', help: 'Number of HTTP requests to the API server, by method (WATCH for watches) and resource', labelNames: ['method', 'resource'], registers });
    this.requests = { record: (method, path, isWatch) => this.restRequests.inc({ method: isWatch ? 'WATCH' : method, resource: resourceOfPath(path) }) };
    this.leaderStatus = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master', labelNames: ['name'], registers });
  }

  /** The queue metrics of the controller named `controller`. */
  queueMetrics(controller: string): QueueMetrics {
    const labels = { controller, name: controller };
    this.queueDepth.set(labels, 0);
    return {
      added: () => this.queueAdds.inc(labels),
      depth: (d) => this.queueDepth.set(labels, d),
      queued: (s) => this.queueDuration.observe(labels, s),
      worked: (s) => this.workDuration.observe(labels, s),
      retried: () => this.queueRetries.inc(labels),
    };
  }
}

/**
 * The resource a request path names, with its subresource: `leases`, `syncs/status`, `namespaces`;
 * `discovery` for the group and version lists. Bounded by the kinds served, so it is a safe label.
 */
export function resourceOfPath(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  // /api/v1/... or /apis/<group>/<version>/...
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : [];
  if (rest.length === 0) return 'discovery';
  // A Namespace's own subresources, not a list of a kind in it.
  if (rest[0] === 'namespaces' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize')) return `namespaces/${rest[2]}`;
  const named = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  return named.length > 2 ? `${named[0]}/${named[2]}` : named[0]!;
}
