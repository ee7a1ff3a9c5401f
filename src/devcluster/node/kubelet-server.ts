import https from 'node:https';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { PodWorker } from './pod-worker.js';

/** Finds the worker of a pod on this node by namespace and name. */
export type PodLookup = (namespace: string, name: string) => PodWorker | undefined;

/**
 * The slice of the kubelet API the API server calls for `kubectl logs`:
 * `GET /containerLogs/{namespace}/{pod}/{container}` with `follow`, `previous`, `tailLines` and
 * `limitBytes`. Served over TLS; only clients with a certificate from the cluster CA get in.
 */
export async function startKubeletServer(options: { port: number; cert: string; key: string; ca: string; lookup: PodLookup }): Promise<{ port: number; close(): void }> {
  const server = https.createServer({
    cert: fs.readFileSync(options.cert),
    key: fs.readFileSync(options.key),
    ca: fs.readFileSync(options.ca),
    requestCert: true,
    rejectUnauthorized: true,
  }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && url.pathname === '/healthz') {
      res.end('ok');
      return;
    }
    if (req.method !== 'GET' || !match) {
      res.writeHead(404).end(`the local node serves only /containerLogs, not ${url.pathname}\n`);
      return;
    }
    const [, namespace, podName, containerName] = match.map(decodeURIComponent) as [string, string, string, string];
    const container = options.lookup(namespace, podName)?.container(containerName);
    if (!container) {
      res.writeHead(404).end(`container "${containerName}" in pod ${namespace}/${podName} is not on this node\n`);
      return;
    }
    const previous = url.searchParams.get('previous') === 'true';
    if (previous && container.restartCount === 0) {
      res.writeHead(400).end(`previous terminated container "${containerName}" in pod "${podName}" not found\n`);
      return;
    }
    const file = container.logFile(previous ? container.restartCount - 1 : container.restartCount);
    const tailLines = url.searchParams.has('tailLines') ? Number(url.searchParams.get('tailLines')) : undefined;
    const limitBytes = url.searchParams.has('limitBytes') ? Number(url.searchParams.get('limitBytes')) : undefined;
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // no output yet
    }
    if (tailLines !== undefined) {
      const lines = text.split('\n');
      const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
      text = lines.slice(Math.max(0, lines.length - tailLines)).join('\n') + (trailing === '' ? '\n' : '');
    }
    if (limitBytes !== undefined) text = text.slice(0, limitBytes);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write(text);
    if (url.searchParams.get('follow') !== 'true' || previous) {
      res.end();
      return;
    }
    let offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
    const timer = setInterval(() => {
      try {
        const size = fs.statSync(file).size;
        if (size > offset) {
          const fd = fs.openSync(file, 'r');
          const buf = Buffer.alloc(size - offset);
          fs.readSync(fd, buf, 0, buf.length, offset);
          fs.closeSync(fd);
          offset = size;
          res.write(buf);
        }
      } catch {
        // rotated away on restart: the stream ends below
      }
      if (container.state.terminated || container.logFile() !== file) {
        clearInterval(timer);
        res.end();
      }
    }, 250);
    req.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}
