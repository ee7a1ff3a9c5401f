/**
 * Benchmark of the etcd operator on real etcd processes on the local cluster: creation → Available
 * for 3 and 5 members, seconds per member on scale-out (learner added → promoted), the longest gap
 * between acknowledged writes while a member is SIGKILLed and while the cluster upgrades 3.6 → 3.7,
 * and the operator's RSS holding 10 clusters. Prints a markdown table for bench/etcd/README.md.
 *
 * Usage: npx tsx bench/etcd/run.ts [--runs 3] [--clusters 10]
 * The cluster is the one CAPSTAN_KUBECONFIG points at, else the local dev cluster.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient, loadKubeConfig, type KubeObject } from '../../src/k8s/index.js';
import { EtcdBackupType } from '../../apps/etcd/etcd-backup-type.js';
import { EtcdClusterType } from '../../apps/etcd/etcd-cluster-type.js';
import { EtcdClient } from '../../apps/etcd/operator/etcd-client.js';
import { Writer } from '../../test/e2e/apps/etcd/writer.js';
import { median, rssMiB, seconds } from '../lib.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, clusters: { type: 'string', default: '10' }, only: { type: 'string' } } });
/** `--only kill` runs one part: create, tls, scale, kill, upgrade or rss. */
const part = (name: string) => !values.only || values.only === name;
const RUNS = Number(values.runs);
const CLUSTERS = Number(values.clusters);
const kubeconfig = process.env.CAPSTAN_KUBECONFIG ?? path.join(homedir(), '.local/state/capstan/dev/kubeconfig');
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const namespace = `etcd-bench-${randomBytes(3).toString('hex')}`;
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Cluster = typeof EtcdClusterType.types.object & KubeObject;
const etcd = new EtcdClient(3000);
const ref = (name?: string) => ({ group: EtcdClusterType.group, version: EtcdClusterType.version, resource: EtcdClusterType.plural, namespace, name });
const crdRef = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const condition = (c: Cluster | undefined, type: string) => c?.status?.conditions?.find((x) => x.type === type);

/** Waits for Ready at the current generation with `size` healthy voters. */
function ready(name: string, size: number): Promise<Cluster> {
  return until(`${name} Ready with ${size} members`, async () => {
    const c = await client.get<Cluster>(ref(name));
    const r = condition(c, 'Ready');
    return r?.status === 'True' && r.observedGeneration === c!.metadata.generation && c!.status!.members!.filter((m) => m.healthy && !m.learner).length === size && c;
  });
}

async function create(name: string, size: number, version = '3.6.16', extra: Record<string, unknown> = {}): Promise<void> {
  await client.create(ref(), { apiVersion: EtcdClusterType.apiVersion, kind: 'EtcdCluster', metadata: { name }, spec: { size, version, ...extra } });
}

async function remove(name: string): Promise<void> {
  await client.delete(ref(name));
  await until(`${name}'s pods gone`, async () => (await client.list({ group: '', version: 'v1', resource: 'pods', namespace }, { labelSelector: `app.kubernetes.io/instance=${name}` })).items.length === 0);
}

/** The decimal id of the leader, from the first member that answers its status call. */
async function leaderOf(c: Cluster): Promise<string> {
  const pods = await client.list<KubeObject & { status?: { podIP?: string } }>({ group: '', version: 'v1', resource: 'pods', namespace }, { labelSelector: `app.kubernetes.io/instance=${c.metadata.name}` });
  for (const pod of pods.items) {
    const status = await etcd.status(`http://${pod.status?.podIP}:2379`, 1000).catch(() => undefined);
    if (status && status.leader !== '0') return status.leader;
  }
  throw new Error(`no member of ${c.metadata.name} knows a leader`);
}

function etcdPid(member: string): number {
  const pids = execFileSync('pgrep', ['-f', '--', `--name=${member} `], { encoding: 'utf8' }).trim().split('\n').map(Number);
  return pids.find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--name=${member}`))!;
}

async function main(): Promise<void> {
  await client.create({ group: '', version: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  // The operator watches both kinds (an EtcdCluster owns its scheduled EtcdBackups).
  const createdCrds: string[] = [];
  for (const type of [EtcdClusterType, EtcdBackupType]) {
    if ((await client.get({ ...crdRef, name: type.crdName })) !== undefined) continue;
    await client.create(crdRef, type.crd);
    createdCrds.push(type.crdName);
    await until(`the CRD ${type.crdName} to be Established`, async () => (await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>({ ...crdRef, name: type.crdName }))?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
  }
  const logFile = path.join(fs.mkdtempSync(path.join(tmpdir(), 'etcd-bench-')), 'operator.log');
  const out = fs.openSync(logFile, 'a');
  const operator = spawn(process.execPath, ['bin/capstan.js', 'operator', 'etcd', '--kubeconfig', kubeconfig, '--namespace', namespace, '--port', '0'], { stdio: ['ignore', out, out], env: { ...process.env, CAPSTAN_ETCD_SNAPSHOT_DIR: path.join(path.dirname(logFile), 'snapshots') } });
  log(`operator pid ${operator.pid}, log ${logFile}`);
  const rows: [string, string, string][] = [];
  try {
    const creations = [...(part('create') ? [{ size: 3, tls: false }, { size: 5, tls: false }] : []), ...(part('tls') ? [{ size: 3, tls: true }] : [])];
    for (const { size, tls } of creations) {
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const name = `create${size}${tls ? 'tls' : ''}-${i}`;
        const started = Date.now();
        await create(name, size, '3.6.16', tls ? { tls: {} } : {});
        await until(`${name} Available with ${size} voters`, async () => {
          const c = await client.get<Cluster>(ref(name));
          return condition(c, 'Available')?.status === 'True' && c!.status!.members!.filter((m) => !m.learner && m.healthy).length === size;
        });
        runs.push(Date.now() - started);
        log(`create ${size}: ${seconds(runs.at(-1)!)}`);
        await remove(name);
      }
      rows.push([`creation → Available, ${size} members${tls ? ' with TLS (certificates issued by the operator)' : ''} (median of ${RUNS})`, seconds(median(runs)), runs.map(seconds).join(', ')]);
    }

    const name = 'life';
    await create(name, 3);
    await ready(name, 3);
    const perMember: number[] = [];
    for (let i = 0; i < (part('scale') ? RUNS : 0); i++) {
      const started = Date.now();
      await client.patch(ref(name), 'merge', { spec: { size: 5 } });
      await ready(name, 5);
      perMember.push((Date.now() - started) / 2);
      log(`scale 3 → 5: ${seconds(perMember.at(-1)! * 2)}`);
      await client.patch(ref(name), 'merge', { spec: { size: 3 } });
      await ready(name, 3);
    }
    if (part('scale')) rows.push([`scale-out, per member (3 → 5: learner added, started, promoted; median of ${RUNS})`, seconds(median(perMember)), perMember.map(seconds).join(', ')]);

    for (const role of part('kill') ? (['follower', 'leader'] as const) : []) {
      const gaps: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const c = await ready(name, 3);
        // The leader as etcd says it now: the status may be a reconcile old.
        const leaderId = await leaderOf(c);
        // A different follower each run: three kills of one member within a minute is a crash loop, which the operator replaces.
        const candidates = c.status!.members!.filter((m) => (role === 'leader') === (BigInt(`0x${m.id}`).toString() === leaderId));
        const victim = candidates[i % candidates.length]!;
        const writer = new Writer(client, namespace, name, `kill-${role}-${i}`);
        writer.start();
        await sleep(2000);
        const podRef = { group: '', version: 'v1', resource: 'pods', namespace, name: victim.name };
        type Pod = KubeObject & { status?: { podIP?: string; containerStatuses?: { restartCount: number }[] } };
        const restarts = (await client.get<Pod>(podRef))!.status!.containerStatuses![0]!.restartCount;
        process.kill(etcdPid(victim.name), 'SIGKILL');
        await until(`${victim.name} restarted and answering`, async () => {
          const pod = await client.get<Pod>(podRef);
          return (pod?.status?.containerStatuses?.[0]?.restartCount ?? 0) > restarts && (await etcd.status(`http://${pod!.status!.podIP}:2379`, 1000)).memberId;
        });
        await sleep(2000);
        await writer.stop();
        gaps.push(writer.longestGapMs);
        log(`SIGKILL ${role}: longest write gap ${writer.longestGapMs} ms, ${writer.acknowledged.length} writes`);
      }
      rows.push([`longest gap between acknowledged writes, SIGKILL of the ${role} (median of ${RUNS})`, `${median(gaps)} ms`, gaps.map((g) => `${g} ms`).join(', ')]);
    }

    if (part('upgrade')) await upgrade(name, rows);
    await remove(name);

    if (part('rss')) {
      for (let i = 0; i < CLUSTERS; i++) await create(`rss-${i}`, 1);
      for (let i = 0; i < CLUSTERS; i++) await ready(`rss-${i}`, 1);
      await sleep(30_000);
      rows.push([`operator RSS with ${CLUSTERS} one-member clusters, 30 s after all Ready`, `${rssMiB(operator.pid!).toFixed(0)} MiB`, '']);
    }
  } finally {
    operator.kill('SIGTERM');
    await client.delete({ group: '', version: 'v1', resource: 'namespaces', name: namespace });
    for (const crd of createdCrds) await client.delete({ ...crdRef, name: crd });
    client.close();
  }
  console.log(`| measure | median | runs |\n|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
}

/** One upgrade 3.6.16 → 3.7.3 with a writer running. */
async function upgrade(name: string, rows: [string, string, string][]): Promise<void> {
    const writer = new Writer(client, namespace, name, 'upgrade');
    writer.start();
    const started = Date.now();
    await client.patch(ref(name), 'merge', { spec: { version: '3.7.3' } });
    await until('the upgrade to 3.7.3', async () => {
      const c = await client.get<Cluster>(ref(name));
      return c?.status?.currentVersion === '3.7.3' && condition(c, 'Ready')?.status === 'True' && condition(c, 'Ready')!.observedGeneration === c.metadata.generation;
    });
    const upgradeMs = Date.now() - started;
    await writer.stop();
    rows.push(['upgrade 3.6.16 → 3.7.3 of 3 members (snapshot, followers, leader last)', seconds(upgradeMs), `longest write gap ${writer.longestGapMs} ms, ${writer.acknowledged.length} writes, ${writer.failures} failed puts`]);
}

await main();
