import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeClient, KubeObject } from '../../../../src/k8s/index.js';
import { projectRoot } from '../../../../src/devcluster/paths.js';
import { EtcdClusterType } from '../../../../apps/etcd/etcd-cluster-type.js';
import { EtcdClient, type EtcdMember } from '../../../../apps/etcd/operator/etcd-client.js';
import { eventually, kubeconfigPath } from '../../harness.js';
import { crdRef, installCrd } from '../../constructs/helpers.js';

/** REST ref of EtcdClusters in a namespace. */
export const clustersRef = (namespace: string, name?: string) => ({ group: EtcdClusterType.group, version: EtcdClusterType.version, resource: EtcdClusterType.plural, namespace, name });

/** An EtcdCluster as the API returns it. */
export type EtcdClusterObject = typeof EtcdClusterType.types.object & KubeObject;

/** A member pod as the tests read it. */
export type MemberPod = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number }[] } };

/** The gateway client the tests use to check etcd itself. */
export const etcd = new EtcdClient(3000);

/** Installs the EtcdCluster CRD unless it is there; returns whether this call created it. */
export function installEtcdCrd(client: KubeClient): Promise<boolean> {
  return installCrd(client, EtcdClusterType.crd as unknown as KubeObject);
}

/** Deletes the CRD when `created` says this file installed it. */
export async function removeEtcdCrd(client: KubeClient, created: boolean): Promise<void> {
  if (created) await client.delete(crdRef(EtcdClusterType.crdName));
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

/** `http://<pod IP>:2379` of each member pod that has an IP. */
export async function endpoints(client: KubeClient, namespace: string, cluster: string): Promise<Map<string, string>> {
  const pods = await memberPods(client, namespace, cluster);
  return new Map([...pods].filter(([, p]) => p.status?.podIP).map(([n, p]) => [n, `http://${p.status!.podIP}:2379`]));
}

/** etcd's own member list, from the first member that answers. */
export async function memberList(client: KubeClient, namespace: string, cluster: string): Promise<EtcdMember[]> {
  for (const endpoint of (await endpoints(client, namespace, cluster)).values()) {
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
  const claim = await client.get<KubeObject & { spec: { volumeName?: string } }>({ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace, name: `${member}-data` });
  const pv = await client.get<KubeObject & { spec: { hostPath?: { path: string }; local?: { path: string } } }>({ group: '', version: 'v1', resource: 'persistentvolumes', name: claim!.spec.volumeName! });
  return pv!.spec.hostPath?.path ?? pv!.spec.local!.path;
}

/**
 * Puts unique keys through the client Service (to the ready endpoints its EndpointSlice lists, as a
 * client behind the Service would be sent) and records every put etcd acknowledged.
 */
export class Writer {
  readonly acknowledged: string[] = [];
  failures = 0;
  /** The longest time between two acknowledged puts, in ms. */
  longestGapMs = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private targets: string[] = [];
  private seq = 0;

  constructor(private readonly client: KubeClient, private readonly namespace: string, private readonly service: string, private readonly prefix: string) {}

  private async refresh(): Promise<void> {
    const slices = await this.client.list<KubeObject & { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }>(
      { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespace: this.namespace }, { labelSelector: `kubernetes.io/service-name=${this.service}` });
    const ready = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses));
    if (ready.length) this.targets = ready.map((ip) => `http://${ip}:2379`);
  }

  /** Starts writing; one put at a time, each to the next ready endpoint. */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      let lastAck = Date.now();
      let refreshed = 0;
      while (this.running) {
        if (Date.now() - refreshed > 1000) {
          await this.refresh().catch(() => undefined);
          refreshed = Date.now();
        }
        const target = this.targets[this.seq % Math.max(1, this.targets.length)];
        const key = `${this.prefix}/${String(this.seq++).padStart(6, '0')}`;
        if (!target) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        try {
          await etcd.put(target, key, key, 2000);
          this.acknowledged.push(key);
          this.longestGapMs = Math.max(this.longestGapMs, Date.now() - lastAck);
          lastAck = Date.now();
        } catch {
          this.failures++;
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  /** Stops after the put in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The acknowledged keys a linearizable read of the cluster does not return. */
  async lost(endpoint: string): Promise<string[]> {
    const { kvs } = await etcd.rangePrefix(endpoint, `${this.prefix}/`);
    return this.acknowledged.filter((k) => kvs.get(k) !== k);
  }
}
