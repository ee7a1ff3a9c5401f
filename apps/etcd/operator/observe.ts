import type { KubeClient, KubeObject } from '../../../src/k8s/index.js';
import { Kinds, refOf } from '../../../src/controller/index.js';
import type { EtcdClient, EtcdStatus } from './etcd-client.js';
import type { Bootstrap } from './member-pod.js';
import { annotations, clusterSelector, labels, ports } from './names.js';
import { memberName, type EtcdView, type MemberPodState } from './plan.js';

/** A member pod as the API returns it (the fields read here). */
export interface PodObject extends KubeObject {
  status?: {
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      restartCount?: number;
      state?: { waiting?: { reason?: string }; running?: unknown; terminated?: { exitCode?: number; reason?: string } };
      lastState?: { terminated?: { exitCode?: number; reason?: string; startedAt?: string; finishedAt?: string } };
    }[];
  };
}

/** What the cluster's pods, claims and etcd itself say right now. */
export interface Observed {
  pods: Map<string, MemberPodState>;
  /** Member name → client endpoint on its pod IP. */
  endpoints: Map<string, string>;
  podObjects: Map<string, PodObject>;
  claims: Set<string>;
  etcd: EtcdView | undefined;
}

function selector(cluster: string): string {
  return Object.entries(clusterSelector(cluster)).map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * Whether a run ended within a minute of starting: a member whose data is gone exits at once, while
 * one killed from outside after running a while (an OOM kill, a node hiccup) is not crash-looping.
 */
function ranBriefly(run: { startedAt?: string; finishedAt?: string }): boolean {
  if (!run.startedAt || !run.finishedAt) return true;
  return Date.parse(run.finishedAt) - Date.parse(run.startedAt) < 60_000;
}

/** The plan's view of one pod. */
export function podState(pod: PodObject): MemberPodState {
  const container = pod.status?.containerStatuses?.find((c) => c.name === 'etcd');
  const last = container?.lastState?.terminated;
  const now = container?.state?.terminated;
  return {
    name: pod.metadata.name!,
    bootstrap: (pod.metadata.annotations?.[annotations.bootstrap] ?? 'member') as Bootstrap,
    version: pod.metadata.annotations?.[annotations.version] ?? '',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    deleting: Boolean(pod.metadata.deletionTimestamp),
    restarts: container?.restartCount ?? 0,
    crashLooping: (now?.exitCode ?? 0) !== 0 || (last !== undefined && (last.exitCode ?? 0) !== 0 && ranBriefly(last)),
    oomKilled: last?.reason === 'OOMKilled' || now?.reason === 'OOMKilled',
    createdAt: String(pod.metadata.creationTimestamp ?? ''),
    certificates: pod.metadata.annotations?.[annotations.certificates] ?? '',
  };
}

/**
 * Reads pods and claims straight from the API server rather than from the informer cache: a cache
 * that lags a create would make a pod look missing, and the plan acts on what is missing.
 */
export async function observe(client: KubeClient, etcd: EtcdClient, namespace: string, cluster: string, secure = false): Promise<Observed> {
  const labelSelector = selector(cluster);
  const [podList, claimList] = await Promise.all([
    client.list<PodObject>(refOf(Kinds.Pod, namespace), { labelSelector }),
    client.list<KubeObject>(refOf(Kinds.PersistentVolumeClaim, namespace), { labelSelector }),
  ]);
  const pods = new Map<string, MemberPodState>();
  const podObjects = new Map<string, PodObject>();
  const endpoints = new Map<string, string>();
  for (const pod of podList.items) {
    const name = pod.metadata.labels?.[labels.member];
    if (!name) continue;
    pods.set(name, podState(pod));
    podObjects.set(name, pod);
    if (pod.status?.podIP) endpoints.set(name, `${secure ? 'https' : 'http'}://${pod.status.podIP}:${ports.client}`);
  }
  const claims = new Set(claimList.items.map((c) => c.metadata.labels?.[labels.member]).filter((n): n is string => Boolean(n)));
  return { pods, podObjects, endpoints, claims, etcd: await readEtcd(etcd, endpoints, pods) };
}

/** The member list from the first member that gives a linearizable answer, and each member's own status. */
async function readEtcd(etcd: EtcdClient, endpoints: Map<string, string>, pods: Map<string, MemberPodState>): Promise<EtcdView | undefined> {
  const order = [...endpoints.entries()].sort(([a], [b]) => Number(pods.get(b)?.ready ?? false) - Number(pods.get(a)?.ready ?? false));
  for (const [, endpoint] of order) {
    let list;
    try {
      list = await etcd.memberList(endpoint);
    } catch {
      continue;
    }
    const health = new Map<string, EtcdStatus | undefined>();
    await Promise.all(list.members.map(async (m) => {
      const own = endpoints.get(memberName(m));
      const status = own ? await etcd.status(own, 2000).catch(() => undefined) : undefined;
      // An answer from another member (a recreated pod reusing the IP) is no answer from this one.
      health.set(m.id, status && status.memberId === m.id ? status : undefined);
    }));
    const leaders = [...health.values()].map((h) => h?.leader).filter((l): l is string => Boolean(l) && l !== '0');
    return { clusterId: list.clusterId, members: list.members, health, leaderId: leaders[0] ?? '0' };
  }
  return undefined;
}
