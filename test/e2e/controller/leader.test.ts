import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Kinds, refOf } from '../../../src/controller/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { adminClient, eventually, kubeconfigPath } from '../harness.js';
import { getConfigMap, runId, useNamespaces } from './env.js';
import { installMirrorCrd, mirror, MirrorKind } from './mirror.js';

const run = runId();
const src = `ctrl-le-${run}-src`;
const t1 = `ctrl-le-${run}-t1`;
const client = adminClient();
useNamespaces(client, [src, t1]);
const script = fileURLToPath(new URL('./operator-process.ts', import.meta.url));
const leaseName = `mirror-e2e-${run}-leader`;
type Line = { event: string; identity: string; at: number; name?: string };

/** One operator replica in its own process, with the lines it printed. */
class Replica {
  readonly lines: Line[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  constructor(readonly identity: string, slowMs = 0) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', script, kubeconfigPath(), run, src, src, identity, String(slowMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as Line);
      } catch {
        // not ours
      }
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }
  saw(event: string, name?: string): Line | undefined {
    return this.lines.find((l) => l.event === event && (name === undefined || l.name === name));
  }
  count(event: string, name?: string): number {
    return this.lines.filter((l) => l.event === event && (name === undefined || l.name === name)).length;
  }
}
const replicas: Replica[] = [];
afterAll(async () => {
  for (const r of replicas) r.proc.kill('SIGKILL');
  const left = await client.list(refOf(MirrorKind), { labelSelector: `controller-e2e.capstan.dev/run=${run}` });
  for (const m of left.items) {
    await client.patch(refOf(MirrorKind, undefined, m.metadata.name), 'merge', { metadata: { finalizers: null } }).catch(() => undefined);
    await client.delete(refOf(MirrorKind, undefined, m.metadata.name));
  }
  client.close();
});

const lease = () => client.get<KubeObject & { spec: { holderIdentity?: string; leaseTransitions?: number } }>(refOf(Kinds.Lease, src, leaseName));

describe('leader election between two operator processes', () => {
  it('only the leader reconciles; the other takes over after the leader is killed; SIGTERM finishes the reconcile in flight and releases the lease', async () => {
    await installMirrorCrd(client);
    // Reconciles take 1.5 s, so SIGTERM below lands while one is in flight.
    const a = new Replica('replica-a', 1500);
    const b = new Replica('replica-b', 1500);
    replicas.push(a, b);
    const first = await eventually('a leader', async () => [a, b].find((r) => r.saw('leader')), 60_000);
    const other = first === a ? b : a;
    expect((await lease())?.spec.holderIdentity).toBe(first.identity);

    const name = `ctrl-le-${run}-m`;
    await client.create(refOf(Kinds.ConfigMap, src), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'le-src' }, data: { v: '1' } });
    await client.create(refOf(MirrorKind), mirror(name, run, { source: { namespace: src, name: 'le-src' }, targets: [t1] }));
    await eventually('copy made', async () => (await getConfigMap(client, t1, 'le-src'))?.data?.v === '1', 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(first.count('reconcile-start', name)).toBeGreaterThan(0);
    expect(other.count('reconcile-start')).toBe(0);
    expect(other.saw('leader')).toBeUndefined();

    // Kill the leader without any chance to release the lease.
    const killedAt = Date.now();
    first.proc.kill('SIGKILL');
    await first.exited;
    const took = await eventually('the other replica leads', async () => other.saw('leader'), 40_000);
    const takeoverMs = took.at - killedAt;
    process.stderr.write(`[controller e2e] leader takeover after SIGKILL: ${takeoverMs} ms (lease 15 s, retry 2 s)\n`);
    // A follower times the lease from when it last saw it change, polled every retryPeriod (≤ 2.4 s with jitter).
    expect(takeoverMs).toBeLessThanOrEqual(15_000 + 2 * 2_400);
    expect((await lease())?.spec.holderIdentity).toBe(other.identity);

    // The new leader does the work now.
    await client.patch(refOf(Kinds.ConfigMap, src, 'le-src'), 'merge', { data: { v: '2' } });
    await eventually('copy follows under the new leader', async () => (await getConfigMap(client, t1, 'le-src'))?.data?.v === '2', 60_000);
    expect(other.count('reconcile-start', name)).toBeGreaterThan(0);

    // Graceful shutdown while a (1.5 s) reconcile is in flight.
    const before = other.count('reconcile-start', name);
    await client.patch(refOf(Kinds.ConfigMap, src, 'le-src'), 'merge', { data: { v: '3' } });
    await eventually('a reconcile in flight', async () => other.count('reconcile-start', name) > before, 20_000, 20);
    other.proc.kill('SIGTERM');
    expect(await other.exited).toBe(0);
    const lines = other.lines.map((l) => l.event);
    expect(lines.lastIndexOf('reconcile-end')).toBeGreaterThan(lines.lastIndexOf('reconcile-start'));
    expect(lines[lines.length - 1]).toBe('stopped');
    expect((await getConfigMap(client, t1, 'le-src'))?.data?.v).toBe('3');
    const released = await lease();
    expect(released?.spec.holderIdentity ?? '').toBe('');
  }, 180_000);
});
