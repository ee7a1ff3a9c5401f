import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts `server` on `host:port` (port 0 picks a free one) and resolves the bound port; rejects,
 * naming `what` the server is for, when the address cannot be taken. Shared by every HTTP endpoint
 * Capstan serves: an operator's metrics and probes, the agent's webhooks, the local git server.
 */
export function listenOn(server: http.Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot ${what} on ${host}:${port}: ${err.message}; pick another port`, { cause: err })));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Stops `server` (if any) and drops its open connections, so a keep-alive client cannot hold it. */
export function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
