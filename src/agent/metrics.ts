import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The agent's own metrics, beside the controller-runtime ones of its Manager:
 * reconcile durations, the revision each Sync applied last, drift repairs, prunes and refused
 * webhook deliveries.
 */
export class AgentMetrics {
  readonly reconcileDuration: Histogram<'namespace' | 'name'>;
  readonly lastAppliedRevision: Gauge<'namespace' | 'name' | 'revision'>;
  readonly driftCorrections: Counter<'namespace' | 'name'>;
  readonly prunes: Counter<'namespace' | 'name'>;
  readonly webhookRejections: Counter<'reason'>;
  readonly webhookDeliveries: Counter<'provider'>;
  private readonly revisions = new Map<string, string>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.reconcileDuration = new Histogram({ name: 'capstan_sync_reconcile_duration_seconds', help: 'Length of one reconcile of a Sync, from fetch to status', labelNames: ['namespace', 'name'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers });
    this.lastAppliedRevision = new Gauge({ name: 'capstan_sync_last_applied_revision_info', help: 'The revision a Sync applied last (value 1)', labelNames: ['namespace', 'name', 'revision'], registers });
    this.driftCorrections = new Counter({ name: 'capstan_sync_drift_corrections_total', help: 'Objects written back to their committed state without a new revision', labelNames: ['namespace', 'name'], registers });
    this.prunes = new Counter({ name: 'capstan_sync_prunes_total', help: 'Objects deleted because their revision no longer holds them', labelNames: ['namespace', 'name'], registers });
    this.webhookRejections = new Counter({ name: 'capstan_sync_webhook_rejections_total', help: 'Webhook deliveries refused, by reason', labelNames: ['reason'], registers });
    this.webhookDeliveries = new Counter({ name: 'capstan_sync_webhook_deliveries_total', help: 'Webhook deliveries accepted, by sender', labelNames: ['provider'], registers });
  }

  /** Records the revision a Sync applied, dropping the one it applied before. */
  applied(namespace: string, name: string, revision: string): void {
    const key = `${namespace}/${name}`;
    const before = this.revisions.get(key);
    if (before === revision) return;
    if (before !== undefined) this.lastAppliedRevision.remove({ namespace, name, revision: before });
    this.revisions.set(key, revision);
    this.lastAppliedRevision.set({ namespace, name, revision }, 1);
  }
}
