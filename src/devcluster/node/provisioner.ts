import fs from 'node:fs/promises';
import path from 'node:path';
import { isConflict, type KubeClient, type KubeObject } from '../../k8s/index.js';

/** The provisioner name of the local cluster's default StorageClass. */
export const provisionerName = 'capstan.dev/local-path';

/** The default StorageClass: volumes are directories under the cluster's state directory. */
export const defaultStorageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: provisionerName,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
};

interface Claim extends KubeObject {
  spec: { storageClassName?: string; volumeName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } }; volumeMode?: string };
  status?: { phase?: string };
}

interface Volume extends KubeObject {
  spec: { hostPath?: { path: string }; persistentVolumeReclaimPolicy?: string; claimRef?: { namespace?: string; name?: string; uid?: string } };
  status?: { phase?: string };
}

/**
 * Dynamic provisioning for the default StorageClass: a pending claim of that class gets a hostPath
 * PersistentVolume pre-bound to it (the controller-manager completes the binding), and a released
 * volume of ours with reclaim policy Delete is removed with its directory. Volumes it did not
 * provision (no `pv.kubernetes.io/provisioned-by: capstan.dev/local-path`) are never touched.
 */
export class LocalPathProvisioner {
  constructor(private readonly client: KubeClient, private readonly volumesDir: string) {}

  /** Handles a claim event: provisions a volume for a pending claim of our class. */
  async claimChanged(claim: Claim): Promise<void> {
    if (claim.metadata.deletionTimestamp || claim.spec.volumeName || claim.status?.phase === 'Bound') return;
    if ((claim.spec.storageClassName ?? 'standard') !== defaultStorageClass.metadata.name) return;
    const name = `pvc-${claim.metadata.uid}`;
    const dir = path.join(this.volumesDir, name);
    await fs.mkdir(dir, { recursive: true });
    try {
      await this.client.create({ group: '', version: 'v1', resource: 'persistentvolumes' }, {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': provisionerName } },
        spec: {
          capacity: { storage: claim.spec.resources?.requests?.storage ?? '1Gi' },
          accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
          volumeMode: claim.spec.volumeMode ?? 'Filesystem',
          persistentVolumeReclaimPolicy: defaultStorageClass.reclaimPolicy,
          storageClassName: defaultStorageClass.metadata.name,
          hostPath: { path: dir, type: 'DirectoryOrCreate' },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
        },
      });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }

  /** Handles a volume event: deletes a released volume we provisioned whose policy is Delete. */
  async volumeChanged(volume: Volume): Promise<void> {
    if (volume.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] !== provisionerName) return;
    if (volume.status?.phase !== 'Released' || volume.spec.persistentVolumeReclaimPolicy !== 'Delete') return;
    const dir = volume.spec.hostPath?.path;
    if (dir && path.dirname(dir) === this.volumesDir) await fs.rm(dir, { recursive: true, force: true });
    await this.client.delete({ group: '', version: 'v1', resource: 'persistentvolumes', name: volume.metadata.name }, { preconditions: { uid: volume.metadata.uid! } });
  }
}
