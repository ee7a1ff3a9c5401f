import http from 'node:http';
import https from 'node:https';

/** The client side of etcd's mTLS, PEM: what the operator (or a test) connects with. */
export interface EtcdTls {
  /** The CA that signed the servers' certificates. */
  ca: string;
  cert: string;
  key: string;
  /**
   * The name every server certificate must carry. Calls go to pod IPs, which no certificate names,
   * so the servers are checked against the client Service's name instead.
   */
  serverName: string;
}

/** One answer: its status and body. */
export interface EtcdResponse {
  status: number;
  body: http.IncomingMessage;
}

/**
 * Sends one request to an etcd client URL, plain or with mTLS. Each request opens its own connection:
 * a kept-alive socket that the server closed meanwhile would fail a call (a member add) that must
 * never be sent twice.
 */
export function etcdRequest(url: string, options: { method: 'GET' | 'POST'; body?: string; timeoutMs: number; tls?: EtcdTls | undefined }): Promise<EtcdResponse> {
  const { tls } = options;
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const common = {
      method: options.method,
      headers: options.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) },
      signal: AbortSignal.timeout(options.timeoutMs),
      agent: false as const,
    };
    const request = target.protocol === 'https:'
      ? https.request(target, { ...common, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.serverName } : {}) })
      : http.request(target, common);
    request.once('response', (body) => resolve({ status: body.statusCode ?? 0, body }));
    request.once('error', reject);
    request.end(options.body);
  });
}

/** The whole body as text. */
export async function readText(response: EtcdResponse): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of response.body) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
