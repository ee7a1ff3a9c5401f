import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncType } from '../constructs/schema/index.js';
import type { Manager } from '../controller/index.js';
import { secretData, secretsOf } from './credentials.js';
import { GitSource, type SourceLimits } from './git/source.js';
import { AgentMetrics } from './metrics.js';
import { SyncController } from './sync-controller.js';
import { WebhookReceiver, type WebhookSubject } from './webhook/receiver.js';

/** Options of {@link registerAgent}. */
export interface AgentOptions {
  /**
   * Where fetched repositories are cached, one bare repository per URL.
   * @default `$TMPDIR/capstan-agent-git`
   */
  cacheDir?: string;
  /** Bounds of repository and manifest sizes. */
  limits?: SourceLimits;
}

/** The sync agent on a Manager: its Sync controller and its webhook receiver (not listening until asked). */
export interface Agent {
  controller: SyncController;
  webhooks: WebhookReceiver;
}

/**
 * Adds the sync agent to `manager`: the Sync controller with its git source and drift watch, the
 * agent's metrics on the manager's registry, and a webhook receiver that triggers Syncs.
 */
export function registerAgent(manager: Manager, options: AgentOptions = {}): Agent {
  const metrics = new AgentMetrics(manager.metrics.registry);
  const source = new GitSource(options.cacheDir ?? join(tmpdir(), 'capstan-agent-git'), options.limits);
  const controller = new SyncController(manager, source, metrics);
  controller.register();
  const syncs = manager.informers.informerFor(SyncType);
  const webhooks = new WebhookReceiver({
    metrics,
    logger: manager.logger.with({ component: 'webhooks' }),
    trigger: (namespace, name) => controller.trigger(namespace, name),
    lookup: async (namespace, name): Promise<WebhookSubject | undefined> => {
      const cached = syncs.store.getByName(namespace, name);
      if (!cached) return undefined;
      const sync = SyncType.view(cached);
      const secret = sync.spec.webhook?.secretRef.name;
      const token = secret ? (await secretData(secretsOf(manager.client), namespace, secret, 'spec.webhook.secretRef'))['token'] : undefined;
      return { token: token || undefined, branch: sync.spec.revision || sync.spec.ref.commit || sync.spec.ref.tag || sync.spec.ref.semver ? undefined : sync.spec.ref.branch ?? 'main' };
    },
  });
  return { controller, webhooks };
}
