import { describe, expect, it } from 'vitest';
import { ApplyError } from '../../../src/apply/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { execFileSync } from 'node:child_process';
import { kubeconfigPath, useNamespace } from '../harness.js';
import { kubectlPath, manager, manifests, refs } from './helpers.js';

const { name: ns, client } = useNamespace('apply-drift');

const deployment = (replicas: number) => manifests(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: app
        image: registry.example/api:1
`);

const configMap = (value: string) => manifests(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: shared
data:
  owner-field: "${value}"
`);

describe('drift', () => {
  it('detects an imperative edit of a managed field by diff, and apply reverts it', async () => {
    const rm = manager(client, ns);
    await rm.applyAll(deployment(2));
    const kubectl = kubectlPath();
    if (kubectl) {
      execFileSync(kubectl, ['--kubeconfig', kubeconfigPath(), '-n', ns, 'edit', 'deployment/api'], { env: { ...process.env, KUBE_EDITOR: 'sed -i s/replicas:\\ 2/replicas:\\ 5/' }, stdio: 'pipe' });
    } else {
      // What `kubectl edit` sends: an update under its own field manager.
      await client.patch(refs.deployment(ns, 'api'), 'merge', { spec: { replicas: 5 } }, { fieldManager: 'kubectl-edit' });
    }
    const edited = await client.get<KubeObject>(refs.deployment(ns, 'api'));
    expect((edited!['spec'] as { replicas: number }).replicas).toBe(5);

    const diff = await rm.diff(deployment(2));
    expect(diff.entries[0]!.action).toBe('configured');
    expect(diff.entries[0]!.diff).toContain('-  replicas: 5');
    expect(diff.entries[0]!.diff).toContain('+  replicas: 2');

    const applied = await rm.applyAll(deployment(2));
    expect(applied.entries[0]!.action).toBe('configured');
    expect(applied.entries[0]!.message).toMatch(/takes back fields changed outside Capstan: \.spec\.replicas is owned by field manager "kubectl-edit"/);
    const live = await client.get<KubeObject>(refs.deployment(ns, 'api'));
    expect((live!['spec'] as { replicas: number }).replicas).toBe(2);
    expect((await rm.diff(deployment(2))).entries[0]!.action).toBe('unchanged');
  });

  it('does not take a field another applier owns without force, and takes it with force', async () => {
    await client.apply(refs.configMap(ns, 'shared'), configMap('theirs')[0]!.object, { fieldManager: 'other-tool' });
    const rm = manager(client, ns);

    const error = await rm.applyAll(configMap('ours')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as ApplyError).written).toBe(false);
    expect((error as ApplyError).message).toMatch(/ConfigMap\/apply-drift-\w+\/shared .*conflict: \.data\.owner-field is owned by field manager "other-tool".*force the apply to take it/s);
    expect((error as ApplyError).failures[0]!.reason).toBe('FieldConflict');
    const kept = await client.get<KubeObject>(refs.configMap(ns, 'shared'));
    expect((kept!['data'] as Record<string, string>)['owner-field']).toBe('theirs');

    const forced = await rm.applyAll(configMap('ours'), { force: true });
    expect(forced.entries[0]!.action).toBe('configured');
    const taken = await client.get<KubeObject>(refs.configMap(ns, 'shared'));
    expect((taken!['data'] as Record<string, string>)['owner-field']).toBe('ours');
  });
});
