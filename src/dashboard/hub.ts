import type http from 'node:http';
import zlib from 'node:zlib';
import type { KubeObject } from '../k8s/index.js';
import type { ViewRequest } from './api-types.js';
import type { ClusterCache } from './cluster.js';
import type { ObjectViews } from './view-object.js';
import { syncDetail } from './view-sync.js';
import { syncsView } from './view-syncs.js';

/** Options of a {@link LiveHub}. */
export interface LiveHubOptions {
  /**
   * Changes arriving within this many milliseconds are sent as one update, so a sync that touches
   * 1000 objects costs a handful of renders, not 1000. Default 50.
   */
  coalesceMs?: number;
  /** The most event streams open at once; more are refused with 503. Default 64. */
  maxStreams?: number;
  /** A comment line every this many milliseconds keeps idle streams open through proxies. Default 25 000. */
  keepAliveMs?: number;
}

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

interface Stream {
  res: http.ServerResponse;
  write(text: string): void;
  request: ViewRequest;
  last: string;
  /** For object views: the resourceVersion last fetched, and the object. */
  fetchedRv?: string | undefined;
  fetched?: KubeObject | undefined;
  busy: boolean;
  again: boolean;
}

/**
 * Pushes live views to the page over server-sent events. Each stream subscribes to one view (the
 * Syncs, one Sync, one object); after every cache change the view is rendered again and sent only
 * when it differs from what that stream last got.
 */
export class LiveHub {
  private readonly streams = new Set<Stream>();
  private timer: NodeJS.Timeout | undefined;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly coalesceMs: number;
  private readonly maxStreams: number;
  private readonly unsubscribe: () => void;

  constructor(private readonly cache: ClusterCache, private readonly objects: ObjectViews, options: LiveHubOptions = {}) {
    this.coalesceMs = options.coalesceMs ?? 50;
    this.maxStreams = options.maxStreams ?? 64;
    this.unsubscribe = cache.onChange(() => this.schedule());
    this.keepAlive = setInterval(() => { for (const s of this.streams) s.write(': keep-alive\n\n'); }, options.keepAliveMs ?? 25_000);
    this.keepAlive.unref();
  }

  /** How many streams are open. */
  get size(): number {
    return this.streams.size;
  }

  /** Renders one view now (for the plain GET endpoints and a stream's first message). */
  async render(request: ViewRequest, stream?: Stream): Promise<unknown> {
    if (request.view === 'syncs') return syncsView(this.cache);
    if (request.view === 'sync') return syncDetail(this.cache, request.namespace, request.name) ?? null;
    const found = this.cache.find(request.id);
    const rv = found.obj?.metadata.resourceVersion;
    let obj = stream?.fetched;
    // Read again when the watched copy moved on, or vanished from a kind that is watched; an object
    // of a kind nobody watches is read once.
    if (!obj || (rv !== undefined ? rv !== stream?.fetchedRv : found.synced)) {
      obj = await this.objects.fetch(request.id);
      if (stream) {
        stream.fetched = obj;
        stream.fetchedRv = rv;
      }
    }
    return this.objects.render(obj);
  }

  /**
   * Opens an event stream on `res` for `request`: the view at once, then each change of it. When the
   * browser accepts gzip the stream is one gzip stream flushed after each message, so a view that
   * repeats most of the previous one costs little to send again.
   */
  open(req: http.IncomingMessage, res: http.ServerResponse, request: ViewRequest): void {
    if (this.streams.size >= this.maxStreams) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`too many open views (${this.maxStreams}): close some dashboard tabs\n`);
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
    const zip = gzip ? zlib.createGzip() : undefined;
    zip?.pipe(res);
    const write = zip ? (text: string) => { zip.write(text); zip.flush(zlib.constants.Z_SYNC_FLUSH); } : (text: string) => void res.write(text);
    write('retry: 1000\n\n');
    const stream: Stream = { res, write, request, last: '', busy: false, again: false };
    this.streams.add(stream);
    res.on('close', () => {
      this.streams.delete(stream);
      zip?.destroy();
    });
    void this.push(stream);
  }

  /** Closes every stream and stops listening to the cache. */
  close(): void {
    this.unsubscribe();
    clearInterval(this.keepAlive);
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.streams) s.res.destroy();
    this.streams.clear();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Tabs showing the same Syncs or Sync view share one render of it per update.
      const shared = new Map<string, Promise<string>>();
      for (const s of this.streams) void this.push(s, shared);
    }, this.coalesceMs);
  }

  private async push(stream: Stream, shared?: Map<string, Promise<string>>): Promise<void> {
    if (stream.busy) {
      stream.again = true;
      return;
    }
    stream.busy = true;
    try {
      do {
        stream.again = false;
        let event = 'view';
        let body: string;
        try {
          const key = stream.request.view === 'object' || !shared ? undefined : JSON.stringify(stream.request);
          let rendered = key ? shared!.get(key) : undefined;
          if (!rendered) {
            rendered = this.render(stream.request, stream).then((v) => JSON.stringify(v));
            if (key) shared!.set(key, rendered);
          }
          body = await rendered;
          shared = undefined; // a render asked for again (stream.again) comes after a newer change
        } catch (err) {
          event = 'problem';
          body = JSON.stringify({ message: err instanceof Error ? err.message : String(err) });
        }
        const frame = `${event}\n${body}`;
        // A page that does not read its stream is cut off rather than buffered for without bound;
        // EventSource reconnects and starts again from a whole view.
        if (stream.res.writableLength > MAX_BUFFERED_BYTES) {
          stream.res.destroy();
          return;
        }
        if (frame !== stream.last && this.streams.has(stream)) {
          stream.last = frame;
          stream.write(`event: ${event}\ndata: ${body}\n\n`);
        }
      } while (stream.again && this.streams.has(stream));
    } finally {
      stream.busy = false;
    }
  }
}
