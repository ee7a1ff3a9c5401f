import { describe, expect, it } from 'vitest';
import { ApplyError } from '../../../src/apply/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { useNamespace } from '../harness.js';
import { manager, manifests, refs } from './helpers.js';

const { name: ns, client } = useNamespace('apply-immutable');

const job = (name: string, image: string, recreate: boolean) => manifests(`
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
${recreate ? '  annotations:\n    capstan.dev/on-immutable-change: recreate\n' : ''}spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: task
        image: ${image}
`);

describe('immutable fields', () => {
  it('refuses to change a Job template, saying how to opt in to recreation', async () => {
    const rm = manager(client, ns);
    await rm.applyAll(job('migrate', 'tool:1', false));
    const error = await rm.applyAll(job('migrate', 'tool:2', false)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as ApplyError).message).toMatch(/Job\/apply-immutable-\w+\/migrate .*immutable field spec\.template.*capstan\.dev\/on-immutable-change: recreate/s);
  });

  it('deletes and recreates an object that opted in', async () => {
    const rm = manager(client, ns);
    await rm.applyAll(job('seed', 'tool:1', true));
    const before = await client.get<KubeObject>(refs.job(ns, 'seed'));
    const result = await rm.applyAll(job('seed', 'tool:2', true), { timeoutMs: 60_000 });
    expect(result.entries[0]!.action).toBe('configured');
    expect(result.entries[0]!.message).toMatch(/deleted and created again/);
    const after = await client.get<KubeObject>(refs.job(ns, 'seed'));
    expect(after!.metadata.uid).not.toBe(before!.metadata.uid);
    const containers = ((after!['spec'] as any).template.spec.containers) as { image: string }[];
    expect(containers[0]!.image).toBe('tool:2');
  });
});
