import fs from 'node:fs/promises';
import path from 'node:path';
import type { KubeClient, KubeObject } from '../../k8s/index.js';
import type { DataSource } from './env.js';
import { podField } from './env.js';
import type { Container, DownwardItem, KeyToPath, Pod, ProjectedSource, Volume } from './types.js';

/** A bind mount of a host path into a container's mount namespace. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** What preparing volumes needs from the node. */
export interface VolumeContext {
  client: KubeClient;
  /** Per-pod directory on the host. */
  podDir: string;
  data: DataSource;
}

/** Thrown when a volume cannot be prepared yet (an unbound claim): the pod stays Pending and is retried. */
export class VolumeNotReady extends Error {}

/**
 * Materialises every volume of a pod in the pod's directory and returns when the service-account tokens
 * in it must be refreshed (epoch ms), or undefined when there are none.
 */
export async function prepareVolumes(pod: Pod, ctx: VolumeContext): Promise<{ dirs: Map<string, string>; refreshAt: number | undefined }> {
  const dirs = new Map<string, string>();
  let refreshAt: number | undefined;
  for (const volume of pod.spec.volumes ?? []) {
    const { dir, expiresAt } = await prepareVolume(pod, volume, ctx, true);
    dirs.set(volume.name, dir);
    if (expiresAt !== undefined) refreshAt = Math.min(refreshAt ?? Infinity, expiresAt);
  }
  return { dirs, refreshAt };
}

/**
 * Rewrites the files of ConfigMap, Secret and downward API volumes (plain or projected) whose source
 * changed since, as the kubelet does periodically; tokens keep their own refresh schedule.
 */
export async function refreshVolumes(pod: Pod, ctx: VolumeContext): Promise<void> {
  for (const volume of pod.spec.volumes ?? []) {
    if (volume.configMap || volume.secret || volume.downwardAPI || volume.projected) await prepareVolume(pod, volume, ctx, false);
  }
}

async function prepareVolume(pod: Pod, volume: Volume, ctx: VolumeContext, withTokens: boolean): Promise<{ dir: string; expiresAt?: number }> {
  const dir = path.join(ctx.podDir, 'volumes', volume.name);
  const namespace = pod.metadata.namespace!;
  if (volume.hostPath) {
    if (volume.hostPath.type === 'DirectoryOrCreate') await fs.mkdir(volume.hostPath.path, { recursive: true });
    return { dir: volume.hostPath.path };
  }
  if (volume.persistentVolumeClaim) return { dir: await claimPath(ctx.client, namespace, volume.persistentVolumeClaim.claimName) };
  await fs.mkdir(dir, { recursive: true });
  if (volume.emptyDir) return { dir };
  if (volume.configMap) {
    await writeKeys(dir, await ctx.data('ConfigMap', namespace, volume.configMap.name), volume.configMap.items, `ConfigMap "${volume.configMap.name}"`, volume.configMap.optional);
    return { dir };
  }
  if (volume.secret) {
    await writeKeys(dir, await ctx.data('Secret', namespace, volume.secret.secretName), volume.secret.items, `Secret "${volume.secret.secretName}"`, volume.secret.optional);
    return { dir };
  }
  if (volume.downwardAPI) {
    await writeDownward(dir, pod, volume.downwardAPI.items);
    return { dir };
  }
  if (volume.projected) {
    let expiresAt: number | undefined;
    for (const source of volume.projected.sources) {
      if (source.serviceAccountToken && !withTokens) continue;
      const expiry = await writeProjected(dir, pod, source, ctx);
      if (expiry !== undefined) expiresAt = Math.min(expiresAt ?? Infinity, expiry);
    }
    return expiresAt === undefined ? { dir } : { dir, expiresAt };
  }
  const kind = Object.keys(volume).find((k) => k !== 'name') ?? 'unknown';
  throw new Error(`volume "${volume.name}" of pod ${namespace}/${pod.metadata.name} uses ${kind}, which the local node does not support (it supports emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim)`);
}

async function writeKeys(dir: string, data: Record<string, string> | undefined, items: KeyToPath[] | undefined, what: string, optional?: boolean): Promise<void> {
  if (!data) {
    if (optional) return;
    throw new VolumeNotReady(`${what} does not exist yet`);
  }
  const entries = items ? items.map((i) => [i.path, data[i.key]] as const) : Object.entries(data);
  for (const [file, value] of entries) {
    if (value === undefined) throw new Error(`${what} has no key for ${file}`);
    await writeInPlace(path.join(dir, file), value);
  }
}

async function writeDownward(dir: string, pod: Pod, items: DownwardItem[]): Promise<void> {
  for (const item of items) {
    if (item.fieldRef) await writeInPlace(path.join(dir, item.path), podField(pod, item.fieldRef.fieldPath));
  }
}

async function writeProjected(dir: string, pod: Pod, source: ProjectedSource, ctx: VolumeContext): Promise<number | undefined> {
  const namespace = pod.metadata.namespace!;
  if (source.configMap) await writeKeys(dir, await ctx.data('ConfigMap', namespace, source.configMap.name), source.configMap.items, `ConfigMap "${source.configMap.name}"`, source.configMap.optional);
  if (source.secret) await writeKeys(dir, await ctx.data('Secret', namespace, source.secret.name), source.secret.items, `Secret "${source.secret.name}"`, source.secret.optional);
  if (source.downwardAPI) await writeDownward(dir, pod, source.downwardAPI.items);
  if (source.serviceAccountToken) {
    const request = await ctx.client.create<KubeObject & { status: { token: string; expirationTimestamp: string } }>(
      { group: '', version: 'v1', resource: 'serviceaccounts', namespace, name: pod.spec.serviceAccountName ?? 'default', subresource: 'token' },
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: source.serviceAccountToken.audience ? [source.serviceAccountToken.audience] : undefined,
          expirationSeconds: source.serviceAccountToken.expirationSeconds ?? 3607,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
        },
      },
    );
    await writeInPlace(path.join(dir, source.serviceAccountToken.path), request.status.token);
    const issued = Date.now();
    const expires = Date.parse(request.status.expirationTimestamp);
    // Refresh at 80% of the lifetime, as the kubelet does.
    return issued + (expires - issued) * 0.8;
  }
  return undefined;
}

/**
 * Writes a file without replacing its inode, so a bind mount of it sees the new content; an
 * unchanged file is left alone, so programs watching it see no spurious change.
 */
async function writeInPlace(file: string, content: string): Promise<void> {
  if ((await fs.readFile(file, 'utf8').catch(() => undefined)) === content) return;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}

async function claimPath(client: KubeClient, namespace: string, claimName: string): Promise<string> {
  const claim = await client.get<KubeObject & { spec: { volumeName?: string }; status?: { phase?: string } }>({ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace, name: claimName });
  if (!claim) throw new VolumeNotReady(`PersistentVolumeClaim "${claimName}" does not exist in namespace ${namespace}`);
  if (claim.status?.phase !== 'Bound' || !claim.spec.volumeName) throw new VolumeNotReady(`PersistentVolumeClaim "${claimName}" is not bound yet`);
  const volume = await client.get<KubeObject & { spec: { hostPath?: { path: string }; local?: { path: string } } }>({ group: '', version: 'v1', resource: 'persistentvolumes', name: claim.spec.volumeName });
  const source = volume?.spec.hostPath?.path ?? volume?.spec.local?.path;
  if (!source) throw new Error(`PersistentVolume "${claim.spec.volumeName}" bound to claim ${namespace}/${claimName} has no hostPath or local path: the local node can only mount those`);
  await fs.mkdir(source, { recursive: true });
  return source;
}

/** The bind mounts of one container, parents before children. */
export async function containerMounts(container: Container, dirs: Map<string, string>): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const dir = dirs.get(m.name);
    if (!dir) throw new Error(`container "${container.name}" mounts volume "${m.name}", which the pod does not declare`);
    const source = m.subPath ? path.join(dir, m.subPath) : dir;
    if (m.subPath) await fs.mkdir(path.dirname(source), { recursive: true });
    mounts.push({ source, target: m.mountPath, readOnly: m.readOnly ?? false });
  }
  return mounts.sort((a, b) => a.target.length - b.target.length);
}
