import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { InvalidRevisionError, SyncNotFoundError } from '../agent/steer.js';
import { ApiError, closeServer, listenOn, type KubeClient } from '../k8s/index.js';
import { cookieName, hostAllowed, presentedToken, type Presented } from './access.js';
import { BadRequestError, isAction, runAction } from './actions.js';
import type { ObjectId, ViewRequest } from './api-types.js';
import { loadAssets, type Asset } from './assets.js';
import { ClusterCache } from './cluster.js';
import { LiveHub, type LiveHubOptions } from './hub.js';
import { streamLogs } from './logs.js';
import { newToken } from './token.js';
import { ObjectNotFoundError, ObjectViews } from './view-object.js';

/** The loopback address the dashboard binds; it never listens anywhere else. */
export const DASHBOARD_HOST = '127.0.0.1';
/** The default port of `capstan dashboard`. */
export const DEFAULT_DASHBOARD_PORT = 7420;
const MAX_BODY = 4096;

/** Options of {@link DashboardServer.start}. */
export interface DashboardOptions {
  /** The cluster, as the user's kubeconfig and context reach it. */
  client: KubeClient;
  /** Port on 127.0.0.1; 0 picks a free one. @default 7420 */
  port?: number | undefined;
  /** Refuse every action with 403. @default false */
  readOnly?: boolean | undefined;
  /** The token; a fresh random one by default. */
  token?: string | undefined;
  /** Where the built front end is. @default lib/src/dashboard/assets */
  assetsDir?: string | undefined;
  /**
   * Host name → address, for git URLs whose host this machine resolves otherwise than the cluster's
   * pods (the local cluster's `host.capstan.internal`); used when fetching a revision to diff against.
   */
  hostAliases?: Readonly<Record<string, string>> | undefined;
  /** Tuning of the live views. */
  live?: LiveHubOptions | undefined;
}

/**
 * `capstan dashboard`'s server: the bundled front end, a JSON API and server-sent event streams of
 * live views, on 127.0.0.1 only. Every request must carry the token (header, the cookie the first
 * page load sets, or `?token=`); actions need it in the `X-Capstan-Token` header, so another site
 * cannot make the browser post one, and are refused with 403 when read-only.
 */
export class DashboardServer {
  /** The URL to open, token included. */
  readonly url: string;

  private constructor(
    readonly port: number,
    private readonly token: string,
    private readonly server: http.Server,
    private readonly cache: ClusterCache,
    private readonly hub: LiveHub,
    private readonly objects: ObjectViews,
  ) {
    this.url = `http://${DASHBOARD_HOST}:${port}/?token=${token}`;
  }

  /** Loads the front end, starts watching the cluster and listens; resolves once the Syncs are listed. */
  static async start(options: DashboardOptions): Promise<DashboardServer> {
    const assets = loadAssets(options.assetsDir);
    // Fail here, with the client's own explanation, rather than serve a page that never fills.
    await options.client.request({ method: 'GET', path: '/version' });
    const token = options.token ?? newToken();
    const cache = new ClusterCache(options.client);
    const objects = new ObjectViews(options.client, cache, options.hostAliases);
    const hub = new LiveHub(cache, objects, options.live);
    const state = { port: 0 };
    const server = http.createServer((req, res) => {
      handle(req, res, { client: options.client, token, port: state.port, readOnly: !!options.readOnly, assets, hub, objects }).catch((err: unknown) => fail(res, err));
    });
    server.requestTimeout = 0; // event streams and followed logs stay open
    state.port = await listenOn(server, options.port ?? DEFAULT_DASHBOARD_PORT, DASHBOARD_HOST, 'serve the dashboard');
    await cache.start();
    return new DashboardServer(state.port, token, server, cache, hub, objects);
  }

  /** Whether the Syncs have been listed: false while the cluster serves no Sync kind (the agent is not installed). */
  get syncsListed(): boolean {
    return this.cache.syncs.hasSynced;
  }

  /** How many objects the dashboard caches. */
  get cachedObjects(): number {
    return this.cache.size;
  }

  /** Stops serving and watching. */
  async close(): Promise<void> {
    this.hub.close();
    await closeServer(this.server);
    await this.cache.stop();
    this.objects.close();
  }
}

interface Context {
  client: KubeClient;
  token: string;
  port: number;
  readOnly: boolean;
  assets: Map<string, Asset>;
  hub: LiveHub;
  objects: ObjectViews;
}

const SECURITY_HEADERS = {
  // The token is in the page's URL: never send it on as a referrer.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

async function handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: Context): Promise<void> {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  if (!hostAllowed(req.headers.host, ctx.port)) return text(res, 403, `this dashboard answers only to 127.0.0.1:${ctx.port} and localhost:${ctx.port}\n`);
  const url = new URL(req.url ?? '/', `http://${DASHBOARD_HOST}:${ctx.port}`);
  const presented = presentedToken(req, url, ctx.token, ctx.port);
  if (!presented) return text(res, 401, 'this dashboard needs its token: open the URL `capstan dashboard` printed\n');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);

  if (req.method === 'POST') return post(req, res, ctx, parts, presented);
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, `${req.method} is not served\n`);
  if (parts[0] !== 'api') return asset(req, res, ctx, url.pathname, presented);

  const q = url.searchParams;
  switch (parts[1]) {
    case 'info':
      return json(req, res, 200, { readOnly: ctx.readOnly, server: ctx.client.server.origin });
    case 'syncs':
      if (parts.length === 2) return json(req, res, 200, await ctx.hub.render({ view: 'syncs' }));
      if (parts.length === 4) {
        const detail = await ctx.hub.render({ view: 'sync', namespace: parts[2]!, name: parts[3]! });
        return detail ? json(req, res, 200, detail) : text(res, 404, `no Sync ${parts[2]}/${parts[3]}\n`);
      }
      break;
    case 'object':
      return json(req, res, 200, await ctx.hub.render({ view: 'object', id: objectIdOf(q) }));
    case 'stream':
      return ctx.hub.open(req, res, viewRequestOf(q));
    case 'logs':
      return streamLogs(ctx.client, {
        namespace: required(q, 'namespace'), pod: required(q, 'pod'), container: q.get('container') ?? undefined,
        previous: q.get('previous') === 'true', follow: q.get('follow') === 'true',
      }, res);
  }
  return text(res, 404, `no API endpoint ${url.pathname}\n`);
}

async function post(req: http.IncomingMessage, res: http.ServerResponse, ctx: Context, parts: string[], presented: Presented): Promise<void> {
  if (presented !== 'header') return text(res, 403, 'actions need the token in the X-Capstan-Token header\n');
  const [api, syncs, namespace, name, action] = parts;
  if (api !== 'api' || syncs !== 'syncs' || !namespace || !name || !action || parts.length !== 5) return text(res, 404, 'actions are POST /api/syncs/<namespace>/<name>/<action>\n');
  if (!isAction(action)) return text(res, 404, `unknown action ${action}: reconcile, suspend, resume, rollback or unpin\n`);
  if (ctx.readOnly) return json(req, res, 403, { ok: false, message: 'the dashboard was started with --read-only: actions are refused' });
  const body = await readJson(req);
  return json(req, res, 200, await runAction(ctx.client, namespace, name, action, body));
}

function asset(req: http.IncomingMessage, res: http.ServerResponse, ctx: Context, pathname: string, presented: Presented): void {
  const file = ctx.assets.get(pathname === '/' ? '/index.html' : pathname);
  if (!file) return text(res, 404, `no file ${pathname}\n`);
  if (presented === 'query') {
    res.setHeader('Set-Cookie', `${cookieName(ctx.port)}=${ctx.token}; HttpOnly; SameSite=Strict; Path=/`);
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? file.gzip : file.body;
  res.writeHead(200, {
    'Content-Type': file.type,
    'Content-Length': body.length,
    'Cache-Control': pathname.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-store',
    ...(gzip ? { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function objectIdOf(q: URLSearchParams): ObjectId {
  return { apiVersion: required(q, 'apiVersion'), kind: required(q, 'kind'), namespace: q.get('namespace') || undefined, name: required(q, 'name') };
}

function viewRequestOf(q: URLSearchParams): ViewRequest {
  const view = q.get('view');
  if (view === 'syncs') return { view };
  if (view === 'sync') return { view, namespace: required(q, 'namespace'), name: required(q, 'name') };
  if (view === 'object') return { view, id: objectIdOf(q) };
  throw new BadRequestError('view must be syncs, sync or object');
}

function required(q: URLSearchParams, key: string): string {
  const v = q.get(key);
  if (!v) throw new BadRequestError(`the query needs ${key}`);
  return v;
}

async function readJson(req: http.IncomingMessage): Promise<{ revision?: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BadRequestError(`the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8').trim();
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' ? parsed as { revision?: unknown } : {};
  } catch {
    throw new BadRequestError('the body is not JSON');
  }
}

function json(req: http.IncomingMessage, res: http.ServerResponse, code: number, value: unknown): void {
  const raw = Buffer.from(JSON.stringify(value));
  const gzip = raw.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? gzipSync(raw) : raw;
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': body.length, ...(gzip ? { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } : {}) });
  res.end(body);
}

function text(res: http.ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(message);
}

function fail(res: http.ServerResponse, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof BadRequestError || err instanceof InvalidRevisionError ? 400
    : err instanceof ObjectNotFoundError || err instanceof SyncNotFoundError ? 404
    : err instanceof ApiError && [403, 404, 409, 422].includes(err.code) ? err.code
    : 502;
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify({ ok: false, message }));
}
