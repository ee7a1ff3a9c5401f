import { describe, expect, it } from 'vitest';
import { WaitError, type WaitProgress } from '../../../src/apply/index.js';
import { useNamespace } from '../harness.js';
import { manager, manifests } from './helpers.js';

const { name: ns, client } = useNamespace('apply-wait');

describe('wait', () => {
  it('reports Current objects as ready', async () => {
    const rm = manager(client, ns);
    const applied = await rm.applyAll(manifests(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: 80}]\n`));
    const waited = await rm.wait(applied, { timeoutMs: 10_000 });
    expect(waited.entries.map((e) => e.health?.status)).toEqual(['Current', 'Current']);
  });

  it('times out on an object that cannot become ready, naming it and why, with progress on the way', async () => {
    const rm = manager(client, ns);
    const applied = await rm.applyAll(manifests(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  storageClassName: apply-e2e-none
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`));
    const progress: WaitProgress[] = [];
    const error = await rm.wait(applied, { timeoutMs: 3000, intervalMs: 500, onProgress: (p) => progress.push(p) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitError);
    expect((error as WaitError).message).toMatch(/timed out after 3s; 1 of 1 objects not ready: PersistentVolumeClaim\/apply-wait-\w+\/data is InProgress: PVC is not Bound/);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)!.pending[0]!.ref.name).toBe('data');
    expect((error as WaitError).changeSet.entries[0]!.health?.status).toBe('InProgress');
  });

  it('applies a later wave only after the earlier one is healthy', async () => {
    const rm = manager(client, ns);
    const events: string[] = [];
    await rm.applyAll(manifests(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: second
  annotations: {capstan.dev/wave: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
`), { onEvent: (e) => { if (e.type === 'object') events.push(e.entry.ref.name); if (e.type === 'waiting') events.push(`wait:${e.progress.done}/${e.progress.total}`); } });
    expect(events).toEqual(['first', 'wait:1/1', 'second']);
  });
});
