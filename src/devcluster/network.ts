import fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { exec, execOrThrow } from './exec.js';

/**
 * The pod network of one local cluster: a Linux bridge on the host holding the gateway address, and a
 * network namespace per pod joined to it by a veth pair. Every pod gets its own IP in a /16, so container
 * ports never collide across pods; the host reaches every pod directly, and pods reach the host (the API
 * server, a local git server) at the gateway address.
 *
 * Names are resolved through a hosts file per pod (`/etc/netns/<netns>/hosts`, which `ip netns exec`
 * bind-mounts over `/etc/hosts`), kept current by the node agent: no DNS server to run.
 */
export class PodNetwork {
  /** Bridge interface name on the host. */
  readonly bridge: string;
  /** Prefix of every network namespace of this cluster. */
  readonly netnsPrefix: string;

  constructor(
    /** Short id of the cluster, derived from its state directory. */
    readonly id: string,
    /** Second octet of the 10.x.0.0/16 subnet. */
    readonly octet: number,
  ) {
    this.bridge = `capbr-${id}`;
    this.netnsPrefix = `cap-${id}-`;
  }

  /** The host's address on the bridge: pods reach the host here. */
  get gateway(): string {
    return `10.${this.octet}.0.1`;
  }

  /** The subnet of all pods, in CIDR notation. */
  get cidr(): string {
    return `10.${this.octet}.0.0/16`;
  }

  /** The pod CIDR of the i-th local node: a /24 each. */
  nodeCidr(index: number): string {
    return `10.${this.octet}.${index + 1}.0/24`;
  }

  /** Derives a cluster id from its state directory. */
  static idFor(stateDir: string): string {
    return createHash('sha256').update(stateDir).digest('hex').slice(0, 6);
  }

  /** Whether this process may create network namespaces (root on Linux with iproute2). */
  static async available(): Promise<boolean> {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
    const probe = await exec('ip', ['netns', 'list']).catch(() => undefined);
    return probe?.code === 0;
  }

  /** Creates the bridge on a free 10.x.0.0/16 (or reuses this cluster's). */
  static async create(stateDir: string): Promise<PodNetwork> {
    const id = PodNetwork.idFor(stateDir);
    const existing = new PodNetwork(id, 0);
    const shown = await exec('ip', ['-4', '-o', 'addr', 'show', 'dev', existing.bridge]);
    const reuse = /inet 10\.(\d+)\.0\.1\//.exec(shown.stdout);
    if (reuse) return new PodNetwork(id, Number(reuse[1]));

    const routes = (await execOrThrow('ip', ['-4', '-o', 'route', 'show'])) + (await execOrThrow('ip', ['-4', '-o', 'addr', 'show']));
    let octet = 200;
    while (octet < 255 && new RegExp(`\\b10\\.${octet}\\.`).test(routes)) octet++;
    if (octet >= 255) throw new Error('no free 10.200-254.0.0/16 subnet for the pod network: remove stale `capbr-*` bridges with `capstan dev down` or `ip link del`');
    const network = new PodNetwork(id, octet);
    await execOrThrow('ip', ['link', 'add', network.bridge, 'type', 'bridge']);
    await execOrThrow('ip', ['addr', 'add', `${network.gateway}/16`, 'dev', network.bridge]);
    await execOrThrow('ip', ['link', 'set', network.bridge, 'up']);
    return network;
  }

  /** The network namespace name of a pod. */
  netnsOf(podUid: string): string {
    return `${this.netnsPrefix}${podUid.replace(/-/g, '').slice(0, 12)}`;
  }

  /** Creates a pod's network namespace with `ip` as its address on eth0 and the gateway as default route. */
  async addPod(podUid: string, ip: string): Promise<string> {
    const netns = this.netnsOf(podUid);
    await this.removePod(podUid);
    const hostSide = `cv${this.id.slice(0, 4)}${ipSuffix(ip)}`;
    const podSide = `cp${this.id.slice(0, 4)}${ipSuffix(ip)}`;
    await exec('ip', ['link', 'del', hostSide]);
    await execOrThrow('ip', ['netns', 'add', netns]);
    await execOrThrow('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', podSide]);
    await execOrThrow('ip', ['link', 'set', podSide, 'netns', netns]);
    await execOrThrow('ip', ['link', 'set', hostSide, 'master', this.bridge, 'up']);
    const batch = [
      `link set ${podSide} name eth0`,
      `addr add ${ip}/16 dev eth0`,
      'link set eth0 up',
      'link set lo up',
      `route add default via ${this.gateway}`,
    ].join('\n');
    await execOrThrow('ip', ['-n', netns, '-batch', '-'], { input: batch + '\n' });
    await fs.mkdir(`/etc/netns/${netns}`, { recursive: true });
    return netns;
  }

  /** Kills whatever still runs in a pod's namespace and deletes it (its veth goes with it). */
  async removePod(podUid: string): Promise<void> {
    await removeNetns(this.netnsOf(podUid));
  }

  /** Removes every namespace of this cluster and the bridge. */
  async teardown(): Promise<void> {
    await PodNetwork.cleanup(this.id);
  }

  /** Removes every namespace and the bridge of the cluster with this id, running or not. */
  static async cleanup(id: string): Promise<void> {
    const prefix = `cap-${id}-`;
    const list = await exec('ip', ['netns', 'list']).catch(() => undefined);
    for (const line of list?.stdout.split('\n') ?? []) {
      const name = line.split(' ')[0];
      if (name?.startsWith(prefix)) await removeNetns(name);
    }
    await exec('ip', ['link', 'del', `capbr-${id}`]).catch(() => undefined);
  }
}

async function removeNetns(netns: string): Promise<void> {
  const pids = await exec('ip', ['netns', 'pids', netns]).catch(() => undefined);
  if (pids?.code !== 0) {
    await fs.rm(`/etc/netns/${netns}`, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    return;
  }
  for (const pid of pids.stdout.split('\n').map(Number).filter((n) => n > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exec('ip', ['netns', 'del', netns]);
  await fs.rm(`/etc/netns/${netns}`, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
}

function ipSuffix(ip: string): string {
  const [, , c, d] = ip.split('.').map(Number);
  return ((c! << 8) | d!).toString(16).padStart(4, '0');
}
