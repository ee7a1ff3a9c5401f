import { describe, expect, it } from 'vitest';
import { hasChanges, summarize } from '../../../src/apply/index.js';
import { KubeClient, loadKubeConfig } from '../../../src/k8s/index.js';
import { kubeconfigPath, useNamespace } from '../harness.js';
import { appliedAt, manager, manifests, refs, resourceVersion, settledVersions } from './helpers.js';

const { name: ns, client } = useNamespace('apply-noop');

// Every field here is one the API server defaults or normalises differently from what we send.
const set = () => manifests(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: "0644"
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 0
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: registry.example/web:1
        resources:
          requests: {cpu: 1000m, memory: 64Mi}
          limits: {cpu: "1", memory: 0.5Gi}
        ports:
        - containerPort: 8080
`);

describe('no-op re-apply', () => {
  it('creates on first apply, then leaves every resourceVersion unchanged', async () => {
    const rm = manager(client, ns);
    const first = await rm.applyAll(set());
    expect(summarize(first).created).toBe(3);

    const objects = [refs.configMap(ns, 'settings'), refs.service(ns, 'web'), refs.deployment(ns, 'web')];
    const before = await settledVersions(client, objects);
    const appliedBefore = await Promise.all(objects.map((r) => appliedAt(client, r)));
    const again = await rm.applyAll(set());
    expect(again.entries.map((e) => e.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const after = await Promise.all(objects.map((r) => resourceVersion(client, r)));
    expect(after).toEqual(before);
    expect(await Promise.all(objects.map((r) => appliedAt(client, r)))).toEqual(appliedBefore);
  });

  it('shows no drift for server-defaulted fields, by server dry-run as well as by managed fields', async () => {
    for (const alwaysDryRun of [false, true]) {
      const diff = await manager(client, ns, alwaysDryRun).diff(set());
      expect(diff.entries.map((e) => [e.ref.kind, e.action])).toEqual([['ConfigMap', 'unchanged'], ['Service', 'unchanged'], ['Deployment', 'unchanged']]);
      expect(hasChanges(diff)).toBe(false);
    }
  });

  it('asks the server nothing per object when managed fields prove it unchanged', async () => {
    const patches: string[] = [];
    const counting = new KubeClient(loadKubeConfig({ kubeconfig: kubeconfigPath() }), { record: (method, path) => { if (method === 'PATCH') patches.push(path); } });
    try {
      const result = await manager(counting, ns).applyAll(set().slice(0, 2));
      expect(result.entries.map((e) => e.action)).toEqual(['unchanged', 'unchanged']);
      expect(patches).toEqual([]);
    } finally {
      counting.close();
    }
  });

  it('re-applies a changed object only', async () => {
    const changed = set();
    (changed[0]!.object['data'] as Record<string, string>)['mode'] = '0600';
    const [before] = await settledVersions(client, [refs.deployment(ns, 'web')]);
    const result = await manager(client, ns).applyAll(changed);
    expect(result.entries.map((e) => e.action)).toEqual(['configured', 'unchanged', 'unchanged']);
    expect(await resourceVersion(client, refs.deployment(ns, 'web'))).toBe(before);
  });
});
