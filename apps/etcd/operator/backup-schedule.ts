import { Kinds, patchStatus, refOf, type ReconcileContext } from '../../../src/controller/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { EtcdBackupType } from '../etcd-backup-type.js';
import { EtcdClusterType } from '../etcd-cluster-type.js';
import { backupFile, toolsImage } from './backup.js';
import { nextRun, parseCron } from './cron.js';
import { labels } from './names.js';
import type { PodObject } from './observe.js';

type Backup = typeof EtcdBackupType.types.object & KubeObject;
type ClusterView = typeof EtcdClusterType.types.object & KubeObject;

/** Label on the EtcdBackups a cluster takes itself (value: the cluster's name). */
export const takenByLabel = 'etcd.capstan.dev/taken-by';
/** Why the cluster took it: `schedule` (subject to retention) or `pre-upgrade` (kept). */
export const purposeLabel = 'etcd.capstan.dev/purpose';

/** The annotation on a prune pod naming the EtcdBackups whose files it removes. */
const pruningAnnotation = 'etcd.capstan.dev/pruning';

/** A schedule slot as a name suffix: `20261202t031500`. */
function slotName(slot: number): string {
  return new Date(slot).toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').toLowerCase();
}

/** The EtcdBackups this cluster took for `purpose`, oldest first (only those it controls). */
export async function clusterBackups(ctx: ReconcileContext, cluster: ClusterView, purpose: string): Promise<Backup[]> {
  const list = await ctx.client.list<Backup>(refOf(EtcdBackupType, cluster.metadata.namespace), { labelSelector: `${takenByLabel}=${cluster.metadata.name},${purposeLabel}=${purpose}` });
  return list.items
    .filter((b) => b.metadata.ownerReferences?.some((o) => o.controller && o.uid === cluster.metadata.uid))
    .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) || a.metadata.name!.localeCompare(b.metadata.name!));
}

/** An EtcdBackup of this cluster into its backup claim, owned by the cluster. */
export function clusterBackup(cluster: ClusterView, name: string, purpose: string): KubeObject {
  const backup = cluster.spec.backup!;
  return {
    apiVersion: `${EtcdBackupType.group}/${EtcdBackupType.version}`, kind: EtcdBackupType.kind,
    metadata: { name, namespace: cluster.metadata.namespace, labels: { [takenByLabel]: cluster.metadata.name!, [purposeLabel]: purpose, [labels.managedBy]: 'capstan-etcd' } },
    spec: { clusterName: cluster.metadata.name, claimName: backup.claimName, ...(backup.claimSize ? { claimSize: backup.claimSize } : {}) },
  } as KubeObject;
}

/**
 * Runs the backup schedule of `spec.backup`: takes a snapshot (an EtcdBackup the cluster owns) at
 * each slot the cron expression names, one at a time (a slot that comes while one is still running
 * is skipped, and slots missed while the operator was down are not caught up), and keeps the newest
 * `retention` completed ones: older ones, and failures older than the newest success, are deleted
 * with their files. Returns the ms until the next slot, which the reconcile requeues at.
 */
export async function reconcileSchedule(ctx: ReconcileContext, live: ClusterView, now = Date.now()): Promise<number | undefined> {
  const backup = EtcdClusterType.view(live).spec.backup;
  if (!backup) return undefined;
  const schedule = parseCron(backup.schedule);
  const taken = await clusterBackups(ctx, live, 'schedule');
  await prune(ctx, live, taken, backup.retention);

  const since = Date.parse(live.status?.lastScheduleTime ?? String(live.metadata.creationTimestamp));
  let slot = nextRun(schedule, since);
  if (slot > now) return slot - now;
  // The latest slot that has come: one snapshot for all the slots that passed.
  for (let next = nextRun(schedule, slot); next <= now; next = nextRun(schedule, next)) slot = next;
  const running = taken.filter((b) => b.status?.phase !== 'Completed' && b.status?.phase !== 'Failed');
  if (running.length) {
    await ctx.record({ type: 'Warning', reason: 'BackupSkipped', action: 'Snapshot', note: `the scheduled snapshot of ${new Date(slot).toISOString()} is skipped: ${running[0]!.metadata.name} is still running` });
  } else {
    await ctx.apply(EtcdBackupType, clusterBackup(live, `${live.metadata.name}-${slotName(slot)}`, 'schedule'));
  }
  await patchStatus(ctx.client, EtcdClusterType, live, { lastScheduleTime: new Date(slot).toISOString() });
  return nextRun(schedule, Math.max(slot, now)) - now;
}

/**
 * Deletes what retention drops: first a pod (busybox) removes their files from the claim, then,
 * once it succeeded, the EtcdBackup objects go. Only backups this cluster's schedule took are ever
 * considered, and only those in the claim the pod mounts.
 */
async function prune(ctx: ReconcileContext, live: ClusterView, taken: Backup[], retention: number): Promise<void> {
  const namespace = live.metadata.namespace!;
  const podName = `${live.metadata.name}-prune`;
  const pod = await ctx.client.get<PodObject & { status?: { phase?: string } }>(refOf(Kinds.Pod, namespace, podName));
  if (pod) {
    const phase = pod.status?.phase;
    if (phase !== 'Succeeded' && phase !== 'Failed') return;
    if (phase === 'Succeeded') {
      for (const name of (pod.metadata.annotations?.[pruningAnnotation] ?? '').split(',').filter(Boolean)) {
        await ctx.client.delete(refOf(EtcdBackupType, namespace, name)).catch(() => undefined);
      }
      await ctx.record({ reason: 'BackupsPruned', action: 'Delete', note: `retention ${retention}: deleted ${pod.metadata.annotations?.[pruningAnnotation]} and their files` });
    }
    await ctx.client.delete(refOf(Kinds.Pod, namespace, podName), { preconditions: { uid: pod.metadata.uid! } }).catch(() => undefined);
    return;
  }
  const completed = taken.filter((b) => b.status?.phase === 'Completed');
  const newest = completed.at(-1);
  const failed = newest ? taken.filter((b) => b.status?.phase === 'Failed' && String(b.metadata.creationTimestamp) <= String(newest.metadata.creationTimestamp)) : [];
  const expired = [...completed.slice(0, Math.max(0, completed.length - retention)), ...failed];
  if (!expired.length) return;
  const claim = expired[0]!.spec.claimName;
  const batch = expired.filter((b) => b.spec.claimName === claim);
  const files = batch.flatMap((b) => [`/backups/${backupFile(b.metadata.name!)}`, `/backups/${backupFile(b.metadata.name!)}.part`]);
  await ctx.apply(Kinds.Pod, {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: podName, namespace,
      labels: { [labels.name]: 'etcd-backup-prune', [labels.instance]: `${live.metadata.name}-prune`, [labels.managedBy]: 'capstan-etcd' },
      annotations: { [pruningAnnotation]: batch.map((b) => b.metadata.name).join(',') },
    },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'prune', image: toolsImage, command: ['rm', '-f', ...files], volumeMounts: [{ name: 'backups', mountPath: '/backups' }] }],
      volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: claim } }],
    },
  } as KubeObject);
}
