import https from 'node:https';
import http from 'node:http';
import fs from 'node:fs';
import { ApiError } from './errors.js';
import { loadKubeConfig, type ClusterAccess, type ConnectOptions } from './config.js';
import type { KubeList, KubeObject, Status, WatchEvent } from './types.js';
import { resourcePath, type ResourceRef } from './paths.js';

/** Content types of the four PATCH flavours. */
export const PatchType = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** One request to the API server. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  body?: unknown;
  contentType?: string | undefined;
  /** Milliseconds before the request is abandoned; 0 for none (watches). */
  timeoutMs?: number | undefined;
}

/** Options of a watch. */
export interface WatchOptions {
  resourceVersion?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  allowWatchBookmarks?: boolean | undefined;
  /** Server-side timeout; the stream ends cleanly after it. */
  timeoutSeconds?: number | undefined;
}

/** A running watch: abort it with `stop()`; `done` settles when the stream ends, rejecting on failure. */
export interface WatchHandle {
  stop(): void;
  done: Promise<void>;
}

/** Counts every request by verb, so tests and benchmarks can tell what a component cost the API server. */
export interface RequestCounter {
  record(method: string, path: string, isWatch: boolean): void;
}

/**
 * The one door to the API server: plain JSON over a keep-alive HTTPS agent, with the
 * credentials of a kubeconfig. Every module of Capstan talks to Kubernetes through it.
 */
export class KubeClient {
  /** The cluster and credentials this client uses. */
  readonly config: ClusterAccess;
  /** The API server's base URL. */
  readonly server: URL;
  private agent: https.Agent | http.Agent | undefined;
  private headers: Record<string, string> = {};
  private authLoadedAt = 0;
  private counter: RequestCounter | undefined;
  /** The client whose connection and credentials an impersonating client borrows. */
  private parent: KubeClient | undefined;

  constructor(config: ClusterAccess, counter?: RequestCounter) {
    this.config = config;
    this.server = new URL(config.server);
    this.counter = counter;
  }

  /** A client from kubectl-style options (see {@link loadKubeConfig}). */
  static connect(options: ConnectOptions = {}, counter?: RequestCounter): KubeClient {
    return new KubeClient(loadKubeConfig(options), counter);
  }

  /**
   * A client that acts as `user` (the `Impersonate-User` header) with this client's credentials and
   * connections: every request is authorized as that user, who must be allowed to be impersonated
   * (verb `impersonate`). A service-account user (`system:serviceaccount:<ns>:<name>`) gets its
   * groups from the API server.
   */
  impersonating(user: string): KubeClient {
    const root = this.parent ?? this;
    const client = new KubeClient({ ...root.config, impersonate: user }, root.counter);
    client.parent = root;
    return client;
  }

  /** The namespace of the current context, `default` when it names none. */
  get defaultNamespace(): string {
    return this.config.namespace;
  }

  /** Sends one request and parses the JSON answer; non-2xx answers throw {@link ApiError}. */
  async request<T = unknown>(spec: RequestSpec): Promise<T> {
    const text = await this.requestText(spec);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Sends one request and returns the answer as text (pod logs, /version, metrics); non-2xx answers throw {@link ApiError}. */
  async requestText(spec: RequestSpec): Promise<string> {
    const res = await this.send(spec);
    const text = await readBody(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw apiError(spec, code, text);
    return text;
  }

  /**
   * Sends one request and resolves the open response, whose body the caller reads as it arrives
   * (a followed pod log); `signal` aborts it. Non-2xx answers throw {@link ApiError}.
   */
  async stream(spec: RequestSpec, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const res = await this.send({ ...spec, timeoutMs: spec.timeoutMs ?? 0 }, signal);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw apiError(spec, code, await readBody(res));
    return res;
  }

  /** GET one object; `undefined` when it does not exist. */
  async get<T extends KubeObject = KubeObject>(ref: ResourceRef): Promise<T | undefined> {
    try {
      return await this.request<T>({ method: 'GET', path: resourcePath(ref) });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** LIST a collection. */
  list<T extends KubeObject = KubeObject>(ref: ResourceRef, query?: RequestSpec['query']): Promise<KubeList<T>> {
    return this.request<KubeList<T>>({ method: 'GET', path: resourcePath(ref), query });
  }

  /** POST a new object into a collection. */
  create<T extends KubeObject = KubeObject>(ref: ResourceRef, body: unknown, query?: RequestSpec['query']): Promise<T> {
    return this.request<T>({ method: 'POST', path: resourcePath(ref), body, query });
  }

  /** PUT a whole object (an update guarded by its resourceVersion). */
  replace<T extends KubeObject = KubeObject>(ref: ResourceRef, body: unknown, query?: RequestSpec['query']): Promise<T> {
    return this.request<T>({ method: 'PUT', path: resourcePath(ref), body, query });
  }

  /** PATCH an object; `type` picks json, merge, strategic or apply (server-side apply). */
  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, type: keyof typeof PatchType, body: unknown, query?: RequestSpec['query']): Promise<T> {
    return this.request<T>({ method: 'PATCH', path: resourcePath(ref), body, contentType: PatchType[type], query });
  }

  /** Server-side apply of a whole object with a field manager. */
  apply<T extends KubeObject = KubeObject>(ref: ResourceRef, body: KubeObject, options: { fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<T> {
    return this.patch<T>(ref, 'apply', body, {
      fieldManager: options.fieldManager,
      force: options.force ? true : undefined,
      dryRun: options.dryRun ? 'All' : undefined,
    });
  }

  /** DELETE an object; resolves `undefined` when it was already gone. */
  async delete(ref: ResourceRef, options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: boolean } = {}): Promise<KubeObject | Status | undefined> {
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy,
      gracePeriodSeconds: options.gracePeriodSeconds,
      preconditions: options.preconditions,
      dryRun: options.dryRun ? ['All'] : undefined,
    };
    try {
      return await this.request({ method: 'DELETE', path: resourcePath(ref), body });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /**
   * Opens a watch and calls `onEvent` for every event, in order. The stream is parsed line by
   * line, so memory stays bounded however long it runs.
   */
  watch<T extends KubeObject = KubeObject>(ref: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): WatchHandle {
    const controller = new AbortController();
    const spec: RequestSpec = {
      method: 'GET',
      path: resourcePath(ref),
      query: {
        watch: true,
        resourceVersion: options.resourceVersion,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        allowWatchBookmarks: options.allowWatchBookmarks ?? true,
        timeoutSeconds: options.timeoutSeconds,
      },
      timeoutMs: 0,
    };
    const done = (async () => {
      const res = await this.send(spec, controller.signal, true);
      const code = res.statusCode ?? 0;
      if (code !== 200) throw apiError(spec, code, await readBody(res));
      let pending = '';
      for await (const chunk of res) {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        }
      }
    })().catch((err: unknown) => {
      if (controller.signal.aborted) return;
      throw err;
    });
    return { stop: () => controller.abort(), done };
  }

  /** Frees the keep-alive sockets so the process can exit (an impersonating client leaves its parent's alone). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private async connection(): Promise<{ agent: https.Agent | http.Agent; headers: Record<string, string> }> {
    if (this.parent) return this.parent.connection();
    // Tokens from files (in-cluster, projected) rotate: re-read credentials every minute.
    if (!this.agent || Date.now() - this.authLoadedAt > 60_000) {
      const tls = await this.credentials();
      if (!this.agent) {
        this.agent = this.server.protocol === 'http:'
          ? new http.Agent({ keepAlive: true, maxSockets: 64 })
          : new https.Agent({ keepAlive: true, maxSockets: 64, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !this.config.insecureSkipTlsVerify, servername: this.config.tlsServerName });
      }
      this.authLoadedAt = Date.now();
    }
    return { agent: this.agent, headers: this.headers };
  }

  /** Sets the auth headers and returns the TLS material of this client's credentials. */
  private async credentials(): Promise<{ ca?: string | Buffer | undefined; cert?: string | Buffer | undefined; key?: string | Buffer | undefined }> {
    const c = this.config;
    if (c.delegate) return this.delegatedCredentials(c.delegate);
    const token = c.tokenFile ? fs.readFileSync(c.tokenFile, 'utf8').trim() : c.token;
    this.headers = token
      ? { Authorization: `Bearer ${token}` }
      : c.username !== undefined ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}` } : {};
    return { ca: c.ca, cert: c.cert, key: c.key };
  }

  /** Exec plugins and auth providers: client-node runs them (loaded only for such kubeconfigs). */
  private async delegatedCredentials(delegate: NonNullable<ClusterAccess['delegate']>): Promise<{ ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer }> {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    if (delegate.file) kc.loadFromFile(delegate.file);
    else kc.loadFromDefault();
    kc.setCurrentContext(delegate.context);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    this.headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)]));
    return { ca: opts.ca as string | Buffer | undefined, cert: opts.cert as string | Buffer | undefined, key: opts.key as string | Buffer | undefined };
  }

  private async send(spec: RequestSpec, signal?: AbortSignal, isWatch = false): Promise<http.IncomingMessage> {
    const { agent, headers } = await this.connection();
    const url = new URL(spec.path, this.server);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    this.counter?.record(spec.method, spec.path, isWatch);
    const payload = spec.body === undefined ? undefined : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
    const requestHeaders: Record<string, string> = { ...headers, Accept: 'application/json' };
    if (this.config.impersonate) requestHeaders['Impersonate-User'] = this.config.impersonate;
    if (payload !== undefined) {
      requestHeaders['Content-Type'] = spec.contentType ?? 'application/json';
      requestHeaders['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const mod = url.protocol === 'http:' ? http : https;
    const attempt = (retry: boolean): Promise<http.IncomingMessage> => new Promise((resolve, reject) => {
      const req = mod.request(url, { method: spec.method, agent, headers: requestHeaders, signal }, resolve);
      const timeout = spec.timeoutMs ?? 60_000;
      if (timeout > 0) req.setTimeout(timeout, () => req.destroy(new Error(`${spec.method} ${spec.path}: no answer from ${this.server.host} within ${timeout} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed just as we reused it: the request never reached
        // the server, so sending it again on a fresh socket is safe (what Node's docs advise).
        if (retry && req.reusedSocket && err.code === 'ECONNRESET') resolve(attempt(false));
        else reject(connectionError(err, this.server));
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    return attempt(true);
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function apiError(spec: RequestSpec, code: number, text: string): ApiError {
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed && parsed.kind === 'Status') status = parsed;
  } catch {
    // not JSON: the raw text goes into the message
  }
  return new ApiError(spec.method, spec.path, code, status, text);
}

function connectionError(err: Error, server: URL): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') {
    return new Error(`cannot reach the API server at ${server.origin} (connection refused): is the cluster running? For the local cluster run \`capstan dev status\``, { cause: err });
  }
  return err;
}
