import type { KubeClient, KubeObject } from '../../../../src/k8s/index.js';
import { EtcdClient } from '../../../../apps/etcd/operator/etcd-client.js';
import type { EtcdTls } from '../../../../apps/etcd/operator/etcd-transport.js';

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

  private readonly etcd: EtcdClient;

  /** With `tls`, puts go over mTLS with those client credentials. */
  constructor(private readonly client: KubeClient, private readonly namespace: string, private readonly service: string, private readonly prefix: string, private readonly tls?: EtcdTls) {
    this.etcd = new EtcdClient(3000, tls);
  }

  private async refresh(): Promise<void> {
    const slices = await this.client.list<KubeObject & { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }>(
      { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespace: this.namespace }, { labelSelector: `kubernetes.io/service-name=${this.service}` });
    const ready = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses));
    if (ready.length) this.targets = ready.map((ip) => `${this.tls ? 'https' : 'http'}://${ip}:2379`);
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
          await this.etcd.put(target, key, key, 2000);
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
    const { kvs } = await this.etcd.rangePrefix(endpoint, `${this.prefix}/`);
    return this.acknowledged.filter((k) => kvs.get(k) !== k);
  }
}
