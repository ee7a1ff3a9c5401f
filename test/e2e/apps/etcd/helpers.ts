import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeClient, KubeObject } from '../../../../src/k8s/index.js';
import { projectRoot } from '../../../../src/devcluster/paths.js';
import { EtcdBackupType } from '../../../../apps/etcd/etcd-backup-type.js';
import { EtcdClusterType } from '../../../../apps/etcd/etcd-cluster-type.js';
import { EtcdClient, type EtcdMember } from '../../../../apps/etcd/operator/etcd-client.js';
import { afterAll, beforeAll } from 'vitest';
import { eventually, kubeconfigPath, useNamespace } from '../../harness.js';
export { Writer } from './writer.js';
import { crdRef, installCrd } from '../../constructs/helpers.js';

/** REST ref of EtcdClusters in a namespace. */
export const clustersRef = (namespace: string, name?: string) => ({ group: EtcdClusterType.group, version: EtcdClusterType.version, resource: EtcdClusterType.plural, namespace, name });

/** An EtcdCluster as the API returns it. */
export type EtcdClusterObject = typeof EtcdClusterType.types.object & KubeObject;

/** A member pod as the tests read it. */
export type MemberPod = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number }[] } };

/** The gateway client the tests use to check etcd itself. */
export const etcd = new EtcdClient(3000);

/** Installs the CRDs the etcd operator reconciles (EtcdCluster, EtcdBackup) unless they are there; returns those this call created. */
export async function installEtcdCrds(client: KubeClient): Promise<string[]> {
  const created: string[] = [];
  for (const type of [EtcdClusterType, EtcdBackupType]) {
    if (await installCrd(client, type.crd as unknown as KubeObject)) created.push(type.crdName);
  }
  return created;
}

/** Deletes the CRDs `installEtcdCrds` created. */
export async function removeEtcdCrds(client: KubeClient, created: readonly string[]): Promise<void> {
  for (const name of created) await client.delete(crdRef(name));
}

/** The `etcd` operator as its own process (`capstan operator etcd`), watching one namespace. */
export function startOperator(namespace: string): { process: ChildProcess; log: string; stop(): Promise<void> } {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-operator-')), 'operator.log');
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'capstan.js'), 'operator', 'etcd', '--kubeconfig', kubeconfigPath(), '--namespace', namespace, '--port', '0'], {
    cwd: projectRoot(), stdio: ['ignore', out, out], env: { ...process.env, CAPSTAN_ETCD_SNAPSHOT_DIR: path.join(path.dirname(log), 'snapshots') },
  });
  fs.closeSync(out);
  return {
    process: child,
    log,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** The member pods of a cluster, by member name. */
export async function memberPods(client: KubeClient, namespace: string, cluster: string): Promise<Map<string, MemberPod>> {
  const list = await client.list<MemberPod>({ group: '', version: 'v1', resource: 'pods', namespace }, { labelSelector: `app.kubernetes.io/instance=${cluster}` });
  return new Map(list.items.map((p) => [p.metadata.name!, p]));
}

/** `http://<pod IP>:2379` (or https) of each member pod that has an IP. */
export async function endpoints(client: KubeClient, namespace: string, cluster: string, scheme: 'http' | 'https' = 'http'): Promise<Map<string, string>> {
  const pods = await memberPods(client, namespace, cluster);
  return new Map([...pods].filter(([, p]) => p.status?.podIP).map(([n, p]) => [n, `${scheme}://${p.status!.podIP}:2379`]));
}

/** etcd's own member list (linearizable), from the first member that answers, ready pods asked first. */
export async function memberList(client: KubeClient, namespace: string, cluster: string): Promise<EtcdMember[]> {
  const pods = [...(await memberPods(client, namespace, cluster)).values()].filter((p) => p.status?.podIP && !p.metadata.deletionTimestamp);
  const ready = (p: MemberPod) => (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 0 : 1);
  for (const endpoint of pods.sort((a, b) => ready(a) - ready(b)).map((p) => `http://${p.status!.podIP}:2379`)) {
    const list = await etcd.memberList(endpoint).catch(() => undefined);
    if (list) return list.members;
  }
  throw new Error(`no member of ${namespace}/${cluster} answered the member list`);
}

/** Waits until the cluster is Ready for its current generation with `size` healthy voters, and returns it. */
export function waitReady(client: KubeClient, namespace: string, cluster: string, size: number, timeoutMs = 180_000): Promise<EtcdClusterObject> {
  return eventually(`EtcdCluster ${namespace}/${cluster} to be Ready with ${size} healthy voting members`, async () => {
    const c = await client.get<EtcdClusterObject>(clustersRef(namespace, cluster));
    const ready = c?.status?.conditions?.find((x) => x.type === 'Ready');
    const voters = c?.status?.members?.filter((m) => !m.learner && m.healthy).length;
    return ready?.status === 'True' && ready.observedGeneration === c!.metadata.generation && voters === size && c!.status!.members!.length === size && c;
  }, timeoutMs, 500);
}

/** The host pid of a member's etcd process (it runs on this machine, in the pod's network namespace). */
export function etcdPid(member: string): number {
  const out = execFileSync('pgrep', ['-f', '--', `--name=${member} `], { encoding: 'utf8' }).trim().split('\n').map(Number);
  const pids = out.filter((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--name=${member}`));
  if (pids.length !== 1) throw new Error(`expected one etcd process of member ${member}, found ${pids.length}`);
  return pids[0]!;
}

/** The host directory of a member's data claim (the dev cluster's provisioner backs claims with host paths). */
export async function claimDir(client: KubeClient, namespace: string, member: string): Promise<string> {
  return claimPath(client, namespace, `${member}-data`);
}

/** The host directory of any claim. */
export async function claimPath(client: KubeClient, namespace: string, name: string): Promise<string> {
  const claim = await client.get<KubeObject & { spec: { volumeName?: string } }>({ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace, name });
  const pv = await client.get<KubeObject & { spec: { hostPath?: { path: string }; local?: { path: string } } }>({ group: '', version: 'v1', resource: 'persistentvolumes', name: claim!.spec.volumeName! });
  return pv!.spec.hostPath?.path ?? pv!.spec.local!.path;
}

/**
 * One test file's namespace, with the etcd CRDs installed (and removed after, unless they were
 * there before) and the etcd operator running against it for the file's tests. Its log's path is
 * printed at the end.
 */
export function useEtcdOperator(prefix: string): { ns: { readonly name: string; readonly client: KubeClient }; client: KubeClient; operatorLog(): string; restartOperator(): Promise<void> } {
  const ns = useNamespace(prefix);
  let created: string[] = [];
  let running: ReturnType<typeof startOperator> | undefined;
  beforeAll(async () => {
    created = await installEtcdCrds(ns.client);
    running = startOperator(ns.name);
  });
  afterAll(async () => {
    await running?.stop();
    if (running) process.stderr.write(`etcd operator log: ${running.log}\n`);
    await removeEtcdCrds(ns.client, created);
  });
  return {
    ns,
    client: ns.client,
    /** The path of the running operator's log. */
    operatorLog: () => running!.log,
    /** SIGKILLs the operator, as a crash would, and starts a new one. */
    async restartOperator() {
      running!.process.kill('SIGKILL');
      await running!.stop();
      running = startOperator(ns.name);
    },
  };
}

/**
 * SIGKILLs the etcd process of one follower of `cluster`, waits until its container has restarted
 * and the member is healthy with all `size` members ready, and returns etcd's member list from
 * before and after, as `name=id` (a restart on intact data must not change it).
 */
export async function killFollowerProcess(client: KubeClient, namespace: string, cluster: string, size = 3): Promise<{ before: string[]; after: string[] }> {
  const members = async () => (await memberList(client, namespace, cluster)).map((m) => `${m.name}=${m.id}`).sort();
  const get = () => client.get<EtcdClusterObject>(clustersRef(namespace, cluster));
  const before = await members();
  const follower = (await get())!.status!.members!.find((m) => !m.leader)!;
  const restarts = async () => (await memberPods(client, namespace, cluster)).get(follower.name)?.status?.containerStatuses?.[0]?.restartCount;
  const restartsBefore = (await restarts())!;
  process.kill(etcdPid(follower.name), 'SIGKILL');
  await eventually(`member ${follower.name}'s container to restart`, async () => (await restarts()) === restartsBefore + 1, 30_000);
  await eventually(`member ${follower.name} to be healthy again`, async () => {
    const c = await get();
    return c?.status?.members?.find((m) => m.name === follower.name)?.healthy && c.status.readyMembers === size;
  }, 60_000);
  return { before, after: await members() };
}
