import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { etcdRequest, readText, type EtcdResponse, type EtcdTls } from './etcd-transport.js';

/**
 * The operator talks to etcd through its v3 JSON gateway (`/v3/...` on every client URL) with Node's
 * own http and https (mTLS on a TLS cluster). The few calls an operator makes (member list/add/remove/promote, status, leadership
 * transfer, hashKV, snapshot) need no gRPC stack; the `etcd3` package would add grpc-js and a proto
 * that predates 3.6, and keeps one connection pool across hosts, while status, hashKV and
 * defragment must reach one member's own URL. The gateway encodes uint64 fields (member, cluster
 * and raft ids, revisions) as decimal strings: they stay strings here and never become numbers.
 */

/** A member as etcd's member list reports it. */
export interface EtcdMember {
  /** Decimal uint64, as the gateway sends it. */
  id: string;
  /** Empty until the member has started and published itself. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** One member's view of itself, from `Maintenance.Status` sent to its own URL. */
export interface EtcdStatus {
  version: string;
  /** Decimal id of the member that answered. */
  memberId: string;
  /** Decimal id of the leader it follows; '0' when it knows none. */
  leader: string;
  clusterId: string;
  /** The key-value store's revision when it answered. */
  revision: string;
  raftIndex: string;
  raftAppliedIndex: string;
  isLearner: boolean;
  errors: string[];
}

/** An error etcd answered with (`google.rpc.Status`: code and message), or a transport failure. */
export class EtcdError extends Error {
  constructor(readonly endpoint: string, readonly call: string, message: string, readonly code?: number) {
    super(`etcd ${endpoint} ${call}: ${message}`);
    this.name = 'EtcdError';
  }
}

/** The decimal uint64 id as etcdctl prints it, in hex. */
export function hexId(decimal: string): string {
  return BigInt(decimal).toString(16);
}

interface RawMember { ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }
interface Header { cluster_id?: string; member_id?: string; revision?: string }

function member(raw: RawMember): EtcdMember {
  return { id: raw.ID ?? '0', name: raw.name ?? '', peerURLs: raw.peerURLs ?? [], clientURLs: raw.clientURLs ?? [], isLearner: raw.isLearner ?? false };
}

/** Calls to one etcd cluster, each sent to the endpoint (a member's client URL) it is given; with `tls`, over mTLS. */
export class EtcdClient {
  constructor(private readonly timeoutMs = 5000, private readonly tls?: EtcdTls) {}

  private async send(endpoint: string, route: string, method: 'GET' | 'POST', body: string | undefined, timeoutMs: number): Promise<EtcdResponse> {
    try {
      return await etcdRequest(`${endpoint}${route}`, { method, body, timeoutMs, tls: this.tls });
    } catch (err) {
      throw new EtcdError(endpoint, route, (err as Error).message);
    }
  }

  private async call<T>(endpoint: string, route: string, body: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    const response = await this.send(endpoint, route, 'POST', JSON.stringify(body), timeoutMs);
    const text = await readText(response).catch((err: Error) => {
      throw new EtcdError(endpoint, route, err.message);
    });
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new EtcdError(endpoint, route, `answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    const ok = response.status >= 200 && response.status < 300;
    if (!ok || typeof parsed['code'] === 'number' && parsed['code'] !== 0 && parsed['message'] !== undefined) {
      throw new EtcdError(endpoint, route, String(parsed['message'] ?? parsed['error'] ?? `HTTP ${response.status}`), parsed['code'] as number | undefined);
    }
    return parsed as T;
  }

  /** The committed member list (linearizable) and the cluster id, as one member answers. */
  async memberList(endpoint: string): Promise<{ clusterId: string; members: EtcdMember[] }> {
    const r = await this.call<{ header?: Header; members?: RawMember[] }>(endpoint, '/v3/cluster/member/list', { linearizable: true });
    return { clusterId: r.header?.cluster_id ?? '0', members: (r.members ?? []).map(member) };
  }

  /** Adds a member (a learner unless `voter`); returns the new member and the member list that includes it. */
  async memberAdd(endpoint: string, peerURL: string, learner: boolean): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    const r = await this.call<{ member?: RawMember; members?: RawMember[] }>(endpoint, '/v3/cluster/member/add', { peerURLs: [peerURL], isLearner: learner });
    return { member: member(r.member ?? {}), members: (r.members ?? []).map(member) };
  }

  /** Removes a member by its decimal id. */
  async memberRemove(endpoint: string, id: string): Promise<void> {
    await this.call(endpoint, '/v3/cluster/member/remove', { ID: id });
  }

  /** Promotes a learner; etcd refuses while the learner is not in sync with the leader. */
  async memberPromote(endpoint: string, id: string): Promise<void> {
    await this.call(endpoint, '/v3/cluster/member/promote', { ID: id });
  }

  /** The status of the member serving `endpoint`. */
  async status(endpoint: string, timeoutMs?: number): Promise<EtcdStatus> {
    const r = await this.call<{ header?: Header; version?: string; leader?: string; raftIndex?: string; raftAppliedIndex?: string; isLearner?: boolean; errors?: string[] }>(endpoint, '/v3/maintenance/status', {}, timeoutMs);
    return {
      version: r.version ?? '', memberId: r.header?.member_id ?? '0', leader: r.leader ?? '0', clusterId: r.header?.cluster_id ?? '0', revision: r.header?.revision ?? '0',
      raftIndex: r.raftIndex ?? '0', raftAppliedIndex: r.raftAppliedIndex ?? '0', isLearner: r.isLearner ?? false, errors: r.errors ?? [],
    };
  }

  /** Moves leadership to `targetId`; must be sent to the current leader. */
  async moveLeader(leaderEndpoint: string, targetId: string): Promise<void> {
    await this.call(leaderEndpoint, '/v3/maintenance/transfer-leadership', { targetID: targetId }, 15_000);
  }

  /** The hash of the key space up to `revision` ('0': the latest) on the member serving `endpoint`. */
  async hashKV(endpoint: string, revision = '0'): Promise<{ hash: string; hashRevision: string; compactRevision: string }> {
    const r = await this.call<{ hash?: number | string; hash_revision?: string; compact_revision?: string }>(endpoint, '/v3/maintenance/hashkv', { revision });
    return { hash: String(r.hash ?? '0'), hashRevision: r.hash_revision ?? '0', compactRevision: r.compact_revision ?? '0' };
  }

  /** Puts one key; resolves once etcd acknowledged it (committed by a quorum). */
  async put(endpoint: string, key: string, value: string, timeoutMs?: number): Promise<{ revision: string }> {
    const r = await this.call<{ header?: Header }>(endpoint, '/v3/kv/put', { key: b64(key), value: b64(value) }, timeoutMs);
    return { revision: r.header?.revision ?? '0' };
  }

  /** Every key under `prefix` (linearizable unless `serializable`, which reads this member's own copy). */
  async rangePrefix(endpoint: string, prefix: string, serializable = false): Promise<{ revision: string; kvs: Map<string, string> }> {
    const end = Buffer.from(prefix);
    end[end.length - 1]!++;
    const r = await this.call<{ header?: Header; kvs?: { key: string; value?: string }[] }>(endpoint, '/v3/kv/range', { key: b64(prefix), range_end: end.toString('base64'), serializable }, 30_000);
    return { revision: r.header?.revision ?? '0', kvs: new Map((r.kvs ?? []).map((kv) => [unb64(kv.key), unb64(kv.value ?? '')])) };
  }

  /** The server and cluster versions the member reports on `/version`. */
  async version(endpoint: string): Promise<{ server: string; cluster: string }> {
    const response = await this.send(endpoint, '/version', 'GET', undefined, this.timeoutMs);
    const r = JSON.parse(await readText(response)) as { etcdserver?: string; etcdcluster?: string };
    return { server: r.etcdserver ?? '', cluster: r.etcdcluster ?? '' };
  }

  /**
   * Streams a snapshot of the member serving `endpoint` into `file` (written beside it, then renamed,
   * so a file at `file` is always whole); returns its size and sha256.
   */
  async snapshot(endpoint: string, file: string): Promise<{ size: number; sha256: string }> {
    const response = await this.send(endpoint, '/v3/maintenance/snapshot', 'POST', '{}', 120_000);
    if (response.status !== 200) throw new EtcdError(endpoint, '/v3/maintenance/snapshot', `HTTP ${response.status}: ${await readText(response)}`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.partial`;
    const out = createWriteStream(partial);
    const hash = createHash('sha256');
    let size = 0;
    let pending = '';
    const take = (line: string): void => {
      if (!line.trim()) return;
      const chunk = JSON.parse(line) as { result?: { blob?: string }; error?: { message?: string } };
      if (chunk.error) throw new EtcdError(endpoint, '/v3/maintenance/snapshot', chunk.error.message ?? 'stream error');
      const blob = Buffer.from(chunk.result?.blob ?? '', 'base64');
      hash.update(blob);
      size += blob.length;
      out.write(blob);
    };
    const decoder = new TextDecoder();
    for await (const part of response.body as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(part, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    }
    take(pending);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    await fs.rename(partial, file);
    return { size, sha256: hash.digest('hex') };
  }
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

function unb64(s: string): string {
  return Buffer.from(s, 'base64').toString();
}
