import http from 'node:http';
import { closeServer, listenOn } from '../k8s/index.js';
import type { Registry } from 'prom-client';

/** A named check; returns a reason string when failing, `undefined` when fine. */
export type Probe = () => string | undefined;

/**
 * The operator's HTTP endpoint: `/metrics` (Prometheus text), `/healthz` (liveness) and `/readyz`
 * (readiness). A probe answers 200 `ok`, or 503 with the failing checks, one a line.
 */
export class ProbeServer {
  private server: http.Server | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly healthz: Probe[],
    private readonly readyz: Probe[],
  ) {}

  /** Listens on `host:port` (port 0 picks a free one); resolves the port. */
  listen(port: number, host = '0.0.0.0'): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return listenOn(server, port, host, 'serve metrics and probes');
  }

  /** Stops listening and closes idle connections. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return closeServer(server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/metrics') {
        const body = await this.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.registry.contentType }).end(body);
      } else if (path === '/healthz' || path === '/livez') {
        this.probe(res, this.healthz);
      } else if (path === '/readyz') {
        this.probe(res, this.readyz);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
      }
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(err)}\n`);
    }
  }

  private probe(res: http.ServerResponse, probes: Probe[]): void {
    const failures = probes.map((p) => p()).filter((r): r is string => r !== undefined);
    if (failures.length === 0) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    else res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`${failures.join('\n')}\n`);
  }
}
