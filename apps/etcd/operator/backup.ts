import { Kinds, refOf, type Manager, type ReconcileContext, type Request, type Result } from '../../../src/controller/index.js';
import { isConflict, type KubeObject } from '../../../src/k8s/index.js';
import { EtcdBackupType } from '../etcd-backup-type.js';
import { EtcdClusterType } from '../etcd-cluster-type.js';
import { labels } from './names.js';
import type { PodObject } from './observe.js';
import { clientTlsSecret, tlsMounts } from './tls.js';

type Cluster = typeof EtcdClusterType.types.object;

/** What `etcdutl snapshot status --write-out=json` prints. */
interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

/** The snapshot's file name in the claim: one file per backup. */
export function backupFile(backup: string): string {
  return `${backup}.db`;
}

/**
 * A small image with a shell and coreutils-like tools (`sha256sum`, `rm`), for the steps etcd's own
 * image (distroless: etcd, etcdctl and etcdutl only) cannot take.
 */
export const toolsImage = 'busybox:1.37';

/**
 * The pod that takes the snapshot: etcdctl of the cluster's version saves it from one healthy member
 * into the claim (writing `.part` first, so a file under the final name is whole), etcdutl prints
 * what the saved file holds, and `sha256sum` the digest of the file as stored; the operator reads
 * both from the pod's log.
 */
export function snapshotPod(backup: string, namespace: string, image: string, endpoint: string, claim: string, tlsSecret?: string): KubeObject {
  const file = `/backups/${backupFile(backup)}`;
  const mounts = [{ name: 'backups', mountPath: '/backups' }];
  const tlsFlags = tlsSecret ? [`--cacert=${tlsMounts.client}/ca.crt`, `--cert=${tlsMounts.client}/tls.crt`, `--key=${tlsMounts.client}/tls.key`] : [];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `${backup}-snapshot`, namespace, labels: { [labels.name]: 'etcd-backup', [labels.instance]: backup, [labels.managedBy]: 'capstan-etcd' } },
    spec: {
      restartPolicy: 'Never',
      initContainers: [
        {
          name: 'save', image, command: ['/usr/local/bin/etcdctl', `--endpoints=${endpoint}`, ...tlsFlags, 'snapshot', 'save', file],
          volumeMounts: [...mounts, ...(tlsSecret ? [{ name: 'tls', mountPath: tlsMounts.client, readOnly: true }] : [])],
        },
        { name: 'status', image, command: ['/usr/local/bin/etcdutl', 'snapshot', 'status', file, '--write-out=json'], volumeMounts: mounts },
      ],
      containers: [{ name: 'digest', image: toolsImage, command: ['sha256sum', file], volumeMounts: mounts }],
      volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: claim } }, ...(tlsSecret ? [{ name: 'tls', secret: { secretName: tlsSecret } }] : [])],
    },
  } as KubeObject;
}

/** Registers the `etcdbackup` controller: each EtcdBackup runs one snapshot pod and records its result. */
export function registerBackups(manager: Manager): void {
  manager.controller('etcdbackup').for(EtcdBackupType).owns(Kinds.Pod).complete(reconcileBackup);
}

async function reconcileBackup(req: Request, ctx: ReconcileContext): Promise<Result | void> {
  if (!ctx.object) return;
  const backup = EtcdBackupType.view(ctx.object);
  if (backup.status?.phase === 'Completed' || backup.status?.phase === 'Failed') return;
  const namespace = req.namespace!;
  const { clusterName, claimName, claimSize } = backup.spec;
  const cluster = await ctx.client.get<Cluster & KubeObject>(refOf(EtcdClusterType, namespace, clusterName));
  const source = cluster?.status?.members?.find((m) => m.healthy && !m.learner && m.clientURL);
  if (!cluster || !source || !cluster.status?.currentVersion) {
    const why = cluster ? `EtcdCluster ${clusterName} has no healthy member to snapshot yet` : `spec.clusterName: EtcdCluster ${namespace}/${clusterName} does not exist; create it or fix the name`;
    await ctx.updateStatus([{ type: 'Ready', status: 'False', reason: 'Pending', message: why }], { phase: 'Pending' });
    return { requeueAfter: 5000 };
  }
  const claimRef = refOf(Kinds.PersistentVolumeClaim, namespace, claimName);
  if (!(await ctx.client.get(claimRef))) await createBackupClaim(ctx, namespace, claimName, claimSize);
  const name = `${req.name}-snapshot`;
  const pod = await ctx.client.get<PodObject & { status?: { phase?: string } }>(refOf(Kinds.Pod, namespace, name));
  if (!pod) {
    const clusterSpec = EtcdClusterType.view(cluster).spec;
    const tlsSecret = clusterSpec.tls ? clientTlsSecret(clusterName, clusterSpec) : undefined;
    await ctx.apply(Kinds.Pod, snapshotPod(req.name, namespace, `${cluster.spec.repository}:v${cluster.status.currentVersion}`, source.clientURL!, claimName, tlsSecret));
    await ctx.updateStatus([{ type: 'Ready', status: 'False', reason: 'Running', message: `taking a snapshot of ${source.name}` }], { phase: 'Running', etcdVersion: cluster.status.currentVersion });
    return;
  }
  if (pod.status?.phase === 'Failed') {
    const log = await ctx.client.requestText({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods/${name}/log`, query: { container: 'save', tailLines: 5 } }).catch(() => '');
    await ctx.updateStatus([{ type: 'Ready', status: 'False', reason: 'Failed', message: `the snapshot pod ${name} failed: ${log.trim().split('\n').at(-1) ?? ''}` }], { phase: 'Failed' });
    return;
  }
  if (pod.status?.phase !== 'Succeeded') return; // the pod's own updates bring us back
  const log = await ctx.client.requestText({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods/${name}/log`, query: { container: 'status' } });
  const line = log.trim().split('\n').find((l) => l.startsWith('{"hash"'));
  if (!line) throw new Error(`EtcdBackup ${namespace}/${req.name}: the snapshot pod's status output has no result: ${log.slice(0, 300)}`);
  const result = JSON.parse(line) as SnapshotStatus;
  const digestLog = await ctx.client.requestText({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods/${name}/log`, query: { container: 'digest' } });
  const sha256 = /^([0-9a-f]{64})\s/m.exec(digestLog)?.[1];
  if (!sha256) throw new Error(`EtcdBackup ${namespace}/${req.name}: the snapshot pod's digest output has no sha256: ${digestLog.slice(0, 300)}`);
  await ctx.updateStatus([{ type: 'Ready', status: 'True', reason: 'Completed', message: `revision ${result.revision}, ${result.totalKey} keys` }], {
    phase: 'Completed', file: backupFile(req.name), revision: String(result.revision), size: result.totalSize, hash: String(result.hash), sha256, keys: result.totalKey,
    completionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  // The pod has done its work; its log was read. The file stays in the claim.
  await ctx.client.delete(refOf(Kinds.Pod, namespace, name)).catch(() => undefined);
  await ctx.record({ reason: 'BackupCompleted', action: 'Snapshot', note: `${backupFile(req.name)} in claim ${claimName}: revision ${result.revision}, ${result.totalSize} bytes, sha256 ${sha256}` });
}

/** Creates the claim snapshots go to. Not owned by the backup or the cluster: snapshots outlive the objects that took them. */
export async function createBackupClaim(ctx: ReconcileContext, namespace: string, claimName: string, claimSize: string): Promise<void> {
  await ctx.client.create(refOf(Kinds.PersistentVolumeClaim, namespace), {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claimName, namespace, labels: { [labels.managedBy]: 'capstan-etcd' } },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: claimSize } } },
  }).catch((err: unknown) => {
    if (!isConflict(err)) throw err;
  });
}
