import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { closeServer, listenOn } from '../k8s/index.js';
import path from 'node:path';
import { execOrThrow } from './exec.js';

/**
 * Creates the bare repository `<name>.git` under `root` (default branch `main`, pushes over HTTP
 * allowed) unless it exists, and (re)installs its post-receive hook; resolves its path.
 */
export async function createBareRepository(root: string, name: string): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`repository name "${name}" must be letters, digits, '.', '_' and '-'`);
  const dir = path.join(root, `${name}.git`);
  if (!existsSync(dir)) {
    await mkdir(root, { recursive: true });
    await execOrThrow('git', ['init', '--bare', '-q', '--initial-branch=main', dir]);
    await execOrThrow('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
  }
  await writeFile(path.join(dir, 'hooks', 'post-receive'), POST_RECEIVE, { mode: 0o755 });
  return dir;
}

/** Options of a {@link GitServer}. */
export interface GitServerOptions {
  /** Directory holding the bare repositories (`<name>.git`). */
  root: string;
  /** The one account allowed to fetch and push. */
  username: string;
  password: string;
  /** Called by each repository's post-receive hook after a push git accepted: the repository (`<name>.git`) and the refs it moved. */
  onPush?: (repository: string, refs: PushedRef[]) => void;
}

/** One ref a push moved, as git's post-receive hook reads it on standard input. */
export interface PushedRef {
  ref: string;
  before: string;
  after: string;
}

/**
 * The post-receive hook of every repository: git runs it after a push with `<old> <new> <ref>`
 * lines on standard input; it hands them to the server, which tells the sync agents.
 */
const POST_RECEIVE = `#!/usr/bin/env node
// Installed by Capstan's local git server: tells it which refs this push moved.
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', async () => {
  const url = process.env.CAPSTAN_GIT_NOTIFY;
  if (!url) return;
  try {
    await fetch(url, { method: 'POST', body: input, headers: { Authorization: process.env.CAPSTAN_GIT_AUTHORIZATION ?? '' }, signal: AbortSignal.timeout(10000) });
  } catch (err) {
    process.stderr.write('capstan: could not notify the sync agent: ' + err.message + '\\n');
  }
});
`;

/** Reads post-receive input: one `<old> <new> <ref>` line per moved ref. */
export function parsePushedRefs(text: string): PushedRef[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => p.length === 3).map(([before = '', after = '', ref = '']) => ({ ref, before, after }));
}

/**
 * Git over smart HTTP for the local cluster: `git http-backend` behind a small Node server with
 * HTTP basic auth, serving the bare repositories under `root` for fetch and push.
 */
export class GitServer {
  private server: http.Server | undefined;
  private readonly expected: Buffer;
  private notifyUrl = '';

  constructor(private readonly options: GitServerOptions) {
    this.expected = Buffer.from(`Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`);
  }

  /** Listens on `host:port` (0: any free port); resolves the port. */
  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = http.createServer((req, res) => this.handle(req, res));
    this.server = server;
    return listenOn(server, port, host, 'serve git').then((bound) => {
      this.notifyUrl = `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/-/post-receive/`;
      return bound;
    });
  }

  /** Creates the bare repository `<name>.git` under the server's root unless it exists; resolves its path. */
  createRepository(name: string): Promise<string> {
    return createBareRepository(this.options.root, name);
  }

  /** Stops serving. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return closeServer(server);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== this.expected.length || !timingSafeEqual(given, this.expected)) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="capstan git"', 'Content-Type': 'text/plain' }).end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://git');
    const hook = /^\/-\/post-receive\/([^/]+\.git)$/.exec(url.pathname)?.[1];
    if (hook && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body = (body + d.toString()).slice(0, 1024 * 1024)));
      req.on('end', () => {
        res.writeHead(204).end();
        this.options.onPush?.(hook, parsePushedRefs(body));
      });
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: this.options.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        REMOTE_USER: this.options.username,
        // Read by the post-receive hook, which git runs with this environment.
        CAPSTAN_GIT_NOTIFY: `${this.notifyUrl}${url.pathname.split('/')[1] ?? ''}`,
        CAPSTAN_GIT_AUTHORIZATION: this.expected.toString(),
        REMOTE_ADDR: req.socket.remoteAddress ?? '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2048)));
    let head = Buffer.alloc(0);
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (started) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
      if (end < 0) return;
      const separator = head.indexOf('\r\n\r\n') === end ? 4 : 2;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString().split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]) || 500;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      started = true;
      res.write(head.subarray(end + separator));
    });
    child.on('close', () => {
      if (!started) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`git http-backend failed: ${stderr.trim().split('\n').pop() ?? ''}\n`);
      else res.end();
    });
    res.on('close', () => {
      // The client went away mid-request: stop the backend too.
      if (!res.writableFinished && child.exitCode === null) child.kill('SIGKILL');
    });
  }
}
