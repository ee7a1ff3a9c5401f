import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeClient } from '../../../src/k8s/index.js';
import { kubeconfigPath } from '../harness.js';
import { configMap, installSyncCrd, startAgent, syncRef, TestRepository } from '../agent/helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A `capstan dashboard` process, as a user starts it (the built CLI: run `npm run build` first). */
export interface RunningDashboard {
  /** The URL it printed, token included. */
  url: string;
  token: string;
  origin: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `capstan dashboard --port 0` with the test cluster's kubeconfig and resolves once it printed its URL. */
export function startDashboard(...extra: string[]): Promise<RunningDashboard> {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'capstan.js'), 'dashboard', '--kubeconfig', kubeconfigPath(), '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`capstan dashboard printed no URL within 30 s: ${out}${err}`)), 30_000);
    child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('exit', (code) => reject(new Error(`capstan dashboard exited with ${code}: ${err}`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[0], origin: m[1]!, token: m[2]!, process: child,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

/** One HTTP answer: status, headers and the whole body as text. */
export interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

/** A request to the dashboard; `headers` may carry the token, or not. */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** An open event stream of the dashboard, collecting every `view` message with the time it arrived. */
export class ViewStream {
  readonly views: { at: number; data: unknown }[] = [];
  readonly raw: string[] = [];
  private req: http.ClientRequest | undefined;
  private waiters: (() => void)[] = [];
  status = 0;

  constructor(url: string, headers: Record<string, string>) {
    this.req = http.get(url, { headers }, (res) => {
      this.status = res.statusCode ?? 0;
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const frame = pending.slice(0, end);
          pending = pending.slice(end + 2);
          this.raw.push(frame);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === 'view' && data !== undefined) this.views.push({ at: Date.now(), data: JSON.parse(data) });
        }
        for (const w of this.waiters.splice(0)) w();
      });
      res.on('end', () => { for (const w of this.waiters.splice(0)) w(); });
    });
    this.req.on('error', () => undefined);
  }

  /** Resolves the first view (from index `from` on) that `match` accepts, with its arrival time; fails after `timeoutMs` naming `what`. */
  async next<T>(what: string, match: (view: T) => boolean, timeoutMs = 30_000, from = 0): Promise<{ at: number; view: T; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.views.length; i++) {
        const v = this.views[i]!;
        if (match(v.data as T)) return { at: v.at, view: v.data as T, index: i };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no view with ${what} within ${timeoutMs} ms (${this.views.length} views arrived)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  close(): void {
    this.req?.destroy();
  }
}

/** The secret value the fixture's Secret holds; no answer of the dashboard may contain it, plain or base64. */
export const SECRET_VALUE = 'hunter2-do-not-show-0xC0FFEE';
/** A second value the tests write into that Secret by hand, to diff. */
export const OTHER_VALUE = 'edited-by-hand-also-secret-0xBEEF';

/** A Deployment of `replicas` busybox pods running `script`. */
export function deployment(name: string, script: string, replicas = 1): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: busybox
          command: ["sh", "-c", ${JSON.stringify(script)}]
`;
}

/** The repository of the fixture at revision `n`: a ConfigMap, a Secret, a healthy Deployment that logs, and one whose pod crashes. */
export function fixtureFiles(n: number): Record<string, string> {
  return {
    'dist/config.yaml': configMap('settings', { revision: String(n) }),
    'dist/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: ${SECRET_VALUE}\n`,
    'dist/web.yaml': deployment('web', 'echo hello-from-web; sleep 3600'),
    'dist/broken.yaml': deployment('broken', 'echo about to fail; exit 3'),
  };
}

/**
 * A Sync of a git repository on this host holding `files` (by default {@link fixtureFiles}), applied
 * by an agent in the test process that watches only `namespace`.
 */
export async function startFixture(client: KubeClient, namespace: string, files = fixtureFiles(1)): Promise<{ repo: TestRepository; first: string; stop(): Promise<void>; push(n: number): Promise<string> }> {
  await installSyncCrd(client);
  const repo = new TestRepository();
  await repo.start();
  const agent = await startAgent(namespace);
  await client.create({ group: '', version: 'v1', resource: 'secrets', namespace }, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'capstan', password: repo.password },
  });
  const first = await repo.commit('first revision', files);
  await client.create(syncRef(namespace), {
    apiVersion: 'capstan.dev/v1alpha1', kind: 'Sync', metadata: { name: 'app', namespace },
    spec: { url: repo.url(), interval: '1h', timeout: '1m', wait: false, secretRef: { name: 'git' } },
  });
  return {
    repo, first,
    push: (n: number) => repo.commit(`revision ${n}`, fixtureFiles(n)),
    stop: async () => {
      await agent.stop();
      await repo.dispose();
    },
  };
}
