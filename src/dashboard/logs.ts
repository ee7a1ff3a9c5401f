import type http from 'node:http';
import type { KubeClient } from '../k8s/index.js';

/** Which log of which container to send. */
export interface LogRequest {
  namespace: string;
  pod: string;
  container?: string | undefined;
  /** The log of the previous, terminated instance of the container. */
  previous?: boolean | undefined;
  /** Keep the response open and send lines as they are written. */
  follow?: boolean | undefined;
  /** Lines from the end to start with. Default 500. */
  tailLines?: number | undefined;
}

/**
 * Streams a pod's log from the API server (`pods/log`) to `res` as plain text; a followed log ends
 * when the page closes the response or the container stops.
 */
export async function streamLogs(client: KubeClient, request: LogRequest, res: http.ServerResponse): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const upstream = await client.stream({
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(request.namespace)}/pods/${encodeURIComponent(request.pod)}/log`,
    query: { container: request.container, previous: request.previous || undefined, follow: request.follow || undefined, tailLines: request.tailLines ?? 500 },
  }, abort.signal);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  upstream.on('error', () => res.end());
  upstream.pipe(res);
}
