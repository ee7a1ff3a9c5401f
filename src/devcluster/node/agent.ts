import fs from 'node:fs/promises';
import path from 'node:path';
import { isConflict, isNotFound, type KubeClient, type KubeObject } from '../../k8s/index.js';
import type { PodNetwork } from '../network.js';
import type { NodeContext } from './context.js';
import { objectData, type DataSource } from './env.js';
import { renderHosts } from './hosts.js';
import type { ImageMap } from './images.js';
import { startKubeletServer } from './kubelet-server.js';
import { localNode, localNodeStatus } from './node-object.js';
import { PodWorker } from './pod-worker.js';
import { LocalPathProvisioner } from './provisioner.js';
import { Reflector } from './reflector.js';
import type { Pod, Service } from './types.js';

/** How the local node agent is set up. */
export interface NodeAgentOptions {
  client: KubeClient;
  /** Names of the local nodes this agent registers and runs pods for. */
  nodeNames: string[];
  stateDir: string;
  network: PodNetwork | undefined;
  images: ImageMap;
  kubelet: { port: number; cert: string; key: string; ca: string };
  /** Where pods reach the API server. */
  apiserver: { host: string; port: number };
}

const ref = (resource: string, group = '', version = 'v1') => ({ group, version, resource });

/**
 * The kubelet of the local cluster: registers local Nodes and keeps their Leases fresh, runs the pods
 * the scheduler binds to them as real processes, serves their logs, keeps every pod's hosts file
 * current and provisions volumes for the default StorageClass. One process serves all local nodes.
 */
export class NodeAgent {
  private readonly workers = new Map<string, PodWorker>();
  private readonly reflectors: { start(): void; stop(): void; hasSynced: Promise<void> }[] = [];
  private pods!: Reflector<Pod>;
  private services!: Reflector<Service>;
  private timers: NodeJS.Timeout[] = [];
  private hostsTimer: NodeJS.Timeout | undefined;
  private kubeletServer: { port: number; close(): void } | undefined;
  private readonly usedIps = new Set<string>();
  private nextHost = 0;
  private readonly contexts = new Map<string, NodeContext>();
  /** Node uid by name, for the owner reference of each node's Lease. */
  private readonly nodeUids = new Map<string, string>();

  constructor(private readonly options: NodeAgentOptions) {}

  /** Registers the nodes and starts running pods. */
  async start(): Promise<void> {
    const { client, stateDir } = this.options;
    this.kubeletServer = await startKubeletServer({ ...this.options.kubelet, lookup: (ns, name) => [...this.workers.values()].find((w) => w.current.metadata.namespace === ns && w.current.metadata.name === name) });
    this.options.nodeNames.forEach((name, index) => this.contexts.set(name, this.context(name, index)));
    for (const [index, name] of this.options.nodeNames.entries()) await this.register(name, index);
    this.timers.push(setInterval(() => void this.renewLeases(), 10_000));
    this.timers.push(setInterval(() => void this.postStatuses(), 60_000));

    const provisioner = new LocalPathProvisioner(client, path.join(stateDir, 'volumes'));
    this.services = new Reflector<Service>(client, ref('services'), () => this.namesChanged());
    this.pods = new Reflector<Pod>(client, ref('pods'), (type, pod) => this.podChanged(type, pod));
    const claims = new Reflector<KubeObject>(client, ref('persistentvolumeclaims'), (type, claim) => {
      if (type === 'upsert') void provisioner.claimChanged(claim as never).catch((err: Error) => console.error(`provisioning ${claim.metadata.namespace}/${claim.metadata.name}: ${err.message}`));
    });
    const volumes = new Reflector<KubeObject>(client, ref('persistentvolumes'), (type, volume) => {
      if (type === 'upsert') void provisioner.volumeChanged(volume as never).catch((err: Error) => console.error(`reclaiming ${volume.metadata.name}: ${err.message}`));
    });
    this.reflectors.push(this.services, this.pods, claims, volumes);
    for (const r of this.reflectors) r.start();
    await Promise.all(this.reflectors.map((r) => r.hasSynced));
  }

  /** Stops every pod (with at most `graceSeconds`) and the agent itself. */
  async stop(graceSeconds = 5): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const r of this.reflectors) r.stop();
    this.kubeletServer?.close();
    await Promise.all([...this.workers.values()].map((w) => w.terminate(Math.min(graceSeconds, w.current.spec.terminationGracePeriodSeconds ?? 30), false).catch(() => undefined)));
    this.workers.clear();
  }

  private context(nodeName: string, index: number): NodeContext {
    const { client, network, apiserver } = this.options;
    const subnet = network ? network.nodeCidr(index).replace(/\.0\/24$/, '') : '';
    const data: DataSource = async (kind, namespace, name) => {
      const object = await client.get({ group: '', version: 'v1', resource: kind === 'ConfigMap' ? 'configmaps' : 'secrets', namespace, name });
      return object ? objectData(object, kind) : undefined;
    };
    return {
      client,
      nodeName,
      podsDir: path.join(this.options.stateDir, 'pods'),
      network,
      images: this.options.images,
      baseEnv: {
        KUBERNETES_SERVICE_HOST: apiserver.host,
        KUBERNETES_SERVICE_PORT: String(apiserver.port),
        KUBERNETES_SERVICE_PORT_HTTPS: String(apiserver.port),
        KUBERNETES_PORT: `tcp://${apiserver.host}:${apiserver.port}`,
      },
      data,
      allocateIp: () => {
        if (!network) return '127.0.0.1';
        // Round-robin, not lowest-free: an address handed straight to a new pod would meet stale
        // neighbour (ARP) entries for the old one on the host and in other pods for half a minute.
        for (let i = 0; i < 253; i++) {
          const host = 2 + ((this.nextHost + i) % 253);
          const ip = `${subnet}.${host}`;
          if (!this.usedIps.has(ip)) {
            this.usedIps.add(ip);
            this.nextHost = host - 1;
            return ip;
          }
        }
        throw new Error(`node ${nodeName} has no free pod IP left in ${network.nodeCidr(index)}`);
      },
      releaseIp: (ip) => this.usedIps.delete(ip),
      event: (pod, type, reason, message) => void this.event(nodeName, pod, type, reason, message),
      writeHosts: (pod) => this.writeHosts(pod),
      namesChanged: () => this.namesChanged(),
    };
  }

  private async register(name: string, index: number): Promise<void> {
    const { client, network } = this.options;
    const cidr = network ? network.nodeCidr(index) : '10.244.0.0/24';
    const node = localNode(name, cidr, this.kubeletServer!.port);
    try {
      await client.create(ref('nodes'), node);
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const registered = await client.patch({ ...ref('nodes'), name, subresource: 'status' }, 'merge', { status: localNodeStatus(this.kubeletServer!.port) });
    this.nodeUids.set(name, registered.metadata.uid!);
    await this.renewLease(name);
  }

  private async renewLeases(): Promise<void> {
    for (const name of this.options.nodeNames) await this.renewLease(name).catch(() => undefined);
  }

  private async renewLease(name: string): Promise<void> {
    const { client } = this.options;
    const leaseRef = { ...ref('leases', 'coordination.k8s.io'), namespace: 'kube-node-lease', name };
    const renewTime = new Date().toISOString().replace('Z', '000Z');
    const uid = this.nodeUids.get(name);
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease', ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] } : {}) },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
    };
    await client.apply(leaseRef, body, { fieldManager: 'capstan-node', force: true });
  }

  private async postStatuses(): Promise<void> {
    for (const name of this.options.nodeNames) {
      await this.options.client.patch({ ...ref('nodes'), name, subresource: 'status' }, 'merge', { status: localNodeStatus(this.kubeletServer!.port) }).catch(() => undefined);
    }
  }

  private podChanged(type: 'upsert' | 'delete', pod: Pod): void {
    this.namesChanged();
    const uid = pod.metadata.uid!;
    const ctx = pod.spec.nodeName ? this.contexts.get(pod.spec.nodeName) : undefined;
    if (!ctx) return;
    const worker = this.workers.get(uid);
    if (type === 'delete') {
      if (worker) {
        this.workers.delete(uid);
        void worker.terminate(0, false);
      }
      return;
    }
    if (worker) {
      worker.update(pod);
      if (pod.metadata.deletionTimestamp) {
        const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
        void worker.terminate(grace, true)
          .catch((err: Error) => console.error(`terminating pod ${pod.metadata.namespace}/${pod.metadata.name}: ${err.message}`))
          .finally(() => this.workers.delete(uid));
      }
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      void this.options.client.delete({ ...ref('pods'), namespace: pod.metadata.namespace, name: pod.metadata.name }, { gracePeriodSeconds: 0, preconditions: { uid } }).catch(() => undefined);
      return;
    }
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const created = new PodWorker(ctx, pod);
    this.workers.set(uid, created);
    created.start().catch((err: Error) => {
      ctx.event(pod, 'Warning', 'FailedCreatePodSandBox', `the local node could not start the pod: ${err.message}`);
    });
  }

  private namesChanged(): void {
    if (this.hostsTimer) return;
    this.hostsTimer = setTimeout(() => {
      this.hostsTimer = undefined;
      for (const worker of this.workers.values()) void this.writeHosts(worker.current).catch(() => undefined);
    }, 100);
  }

  private async writeHosts(pod: Pod): Promise<void> {
    const network = this.options.network;
    if (!network || !pod.status?.podIP) return;
    const file = `/etc/netns/${network.netnsOf(pod.metadata.uid!)}/hosts`;
    const content = renderHosts(pod, this.pods.store.values(), this.services.store.values(), network.gateway);
    const before = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (before === content) return;
    await fs.mkdir(path.dirname(file), { recursive: true });
    // writeFile truncates and rewrites the same inode, so the bind mount inside the pod sees it.
    await fs.writeFile(file, content);
  }

  private async event(nodeName: string, pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.options.client.create({ ...ref('events'), namespace: pod.metadata.namespace }, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${pod.metadata.name}.`, namespace: pod.metadata.namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
      reason,
      message,
      type,
      source: { component: 'kubelet', host: nodeName },
      reportingComponent: 'kubelet',
      reportingInstance: nodeName,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    }).catch((err: unknown) => {
      if (!isNotFound(err)) console.error(`event ${reason} on ${pod.metadata.namespace}/${pod.metadata.name}: ${String(err)}`);
    });
  }
}
