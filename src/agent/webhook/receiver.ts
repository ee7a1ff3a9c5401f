import http from 'node:http';
import { closeServer, listenOn } from '../../k8s/index.js';
import type { Logger } from '../../controller/index.js';
import type { AgentMetrics } from '../metrics.js';
import { checkSignature, pushedBranch } from './signatures.js';

/** The port of the agent's webhook receiver. */
export const WEBHOOK_PORT = 9292;

/** What the receiver needs to know about a Sync. */
export interface WebhookSubject {
  /** The token of `spec.webhook.secretRef`; undefined when the Sync takes no webhooks. */
  token: string | undefined;
  /** The branch the Sync follows, if it follows one. */
  branch: string | undefined;
}

/** How the receiver finds Syncs and triggers them. */
export interface WebhookReceiverOptions {
  /** The Sync's token and branch; `undefined` when there is no such Sync. */
  lookup(namespace: string, name: string): Promise<WebhookSubject | undefined>;
  /** Reconciles the Sync now, asking its remote for a new revision. */
  trigger(namespace: string, name: string): void;
  metrics: AgentMetrics;
  logger: Logger;
  /**
   * Larger bodies are refused with 413 before they are read to the end.
   * @default 1 MiB
   */
  maxBodyBytes?: number;
}

/**
 * Receives push notifications at `POST /hooks/<namespace>/<sync-name>`. A delivery whose signature
 * matches the Sync's token (see {@link checkSignature}) triggers an immediate reconcile; a missing
 * or wrong one gets 401, triggers nothing and is counted. A push to another branch than the one the
 * Sync follows is acknowledged and ignored.
 */
export class WebhookReceiver {
  private server: http.Server | undefined;

  constructor(private readonly options: WebhookReceiverOptions) {}

  /** Listens on `host:port` (0: any free port); resolves the port. */
  listen(port: number = WEBHOOK_PORT, host = '0.0.0.0'): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return listenOn(server, port, host, 'receive webhooks');
  }

  /** Stops listening. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return closeServer(server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (code: number, text: string): void => void res.writeHead(code, { 'Content-Type': 'text/plain' }).end(`${text}\n`);
    const match = /^\/hooks\/([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/.exec((req.url ?? '/').split('?')[0]!);
    if (!match) return reply(404, 'not found: deliveries go to POST /hooks/<namespace>/<sync-name>');
    if (req.method !== 'POST') return reply(405, 'use POST');
    const [, namespace = '', name = ''] = match;
    const limit = this.options.maxBodyBytes ?? 1024 * 1024;
    const body = await readBody(req, limit);
    if (!body) {
      this.options.metrics.webhookRejections.inc({ reason: 'too_large' });
      res.setHeader('Connection', 'close');
      return reply(413, `body larger than ${limit} bytes`);
    }
    try {
      const subject = await this.options.lookup(namespace, name);
      if (!subject) return reply(404, `no Sync ${namespace}/${name}`);
      if (!subject.token) {
        this.options.metrics.webhookRejections.inc({ reason: 'not_configured' });
        return reply(401, `Sync ${namespace}/${name} takes no webhooks: set spec.webhook.secretRef to a Secret with a token`);
      }
      const check = checkSignature(req.headers, body, subject.token);
      if (!check.ok) {
        this.options.metrics.webhookRejections.inc({ reason: check.reason === 'missing' ? 'missing_signature' : 'bad_signature' });
        this.options.logger.info('refused a webhook delivery', { sync: `${namespace}/${name}`, reason: check.reason });
        return reply(401, check.reason === 'missing' ? 'no signature: send X-Hub-Signature-256, X-Gitlab-Token, X-Gitea-Signature, X-Forgejo-Signature or X-Capstan-Signature' : 'signature does not match the Sync\'s webhook token');
      }
      this.options.metrics.webhookDeliveries.inc({ provider: check.provider });
      const branch = pushedBranch(body);
      if (branch !== undefined && subject.branch !== undefined && branch !== subject.branch) {
        return reply(202, `ignored: a push to ${branch}, and Sync ${namespace}/${name} follows ${subject.branch}`);
      }
      this.options.trigger(namespace, name);
      return reply(202, `reconciling Sync ${namespace}/${name}`);
    } catch (err) {
      this.options.logger.error('webhook delivery failed', { sync: `${namespace}/${name}`, error: String(err) });
      return reply(500, 'could not handle the delivery; it is logged');
    }
  }
}

/** The whole body, or undefined as soon as it passes `limit` bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > limit) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
