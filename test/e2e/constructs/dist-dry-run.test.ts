import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ApiError, Discovery, type KubeObject } from '../../../src/k8s/index.js';
import { useNamespace } from '../harness.js';
import { crdRef, installCrd } from './helpers.js';

const dist = resolve(import.meta.dirname, '../../../dist');
const { name: ns, client } = useNamespace('constructs-dist');

interface Manifest { file: string; object: KubeObject }

async function loadDist(): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const file of (await readdir(dist)).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(dist, file), 'utf8'))) {
      const object = doc.toJS() as KubeObject | null;
      if (object) out.push({ file, object });
    }
  }
  return out;
}

/** Moves a namespaced object (and service-account subjects) into the test namespace. */
function intoNamespace(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  copy.metadata.namespace = ns;
  const subjects = copy['subjects'] as { kind: string; namespace?: string }[] | undefined;
  for (const s of subjects ?? []) if (s.kind === 'ServiceAccount') s.namespace = ns;
  return copy;
}

describe('dist/ on the real cluster', () => {
  let manifests: Manifest[] = [];
  const createdCrds: string[] = [];
  const discovery = new Discovery(client);

  beforeAll(async () => {
    manifests = await loadDist();
    for (const { object } of manifests.filter((m) => m.object.kind === 'CustomResourceDefinition')) {
      if (await installCrd(client, object)) createdCrds.push(object.metadata.name!);
      discovery.refresh(String((object['spec'] as { group: string }).group));
    }
  });
  afterAll(async () => {
    for (const name of createdCrds) await client.delete(crdRef(name));
  });

  it('has manifests to check, CRDs among them', () => {
    expect(manifests.length).toBeGreaterThan(5);
    expect(manifests.some((m) => m.object.kind === 'CustomResourceDefinition')).toBe(true);
  });

  it('every manifest passes a server-side dry-run apply, CRDs first', async () => {
    const failures: string[] = [];
    for (const { file, object } of manifests.filter((m) => m.object.kind !== 'CustomResourceDefinition')) {
      const mapping = await discovery.resourceFor(object.apiVersion!, object.kind!);
      const body = mapping.namespaced ? intoNamespace(object) : object;
      const ref = { group: mapping.group, version: mapping.version, resource: mapping.resource, namespace: mapping.namespaced ? ns : undefined, name: body.metadata.name };
      try {
        await client.apply(ref, body, { fieldManager: 'capstan-e2e-constructs', dryRun: true, force: true });
      } catch (err) {
        failures.push(`${file}: ${object.kind} ${object.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the CRD schema defaults and bounds hold on the server', async () => {
    const greeting = manifests.find((m) => m.object.kind === 'Greeting' && !(m.object['spec'] as Record<string, unknown>)['language'])!.object;
    const ref = { group: 'demo.capstan.dev', version: 'v1alpha1', resource: 'greetings', namespace: ns, name: greeting.metadata.name };
    const dry = await client.apply<KubeObject & { spec: { language?: string } }>(ref, intoNamespace(greeting), { fieldManager: 'capstan-e2e-constructs', dryRun: true });
    expect(dry.spec.language).toBe('en');
    const tooBig = intoNamespace(greeting);
    (tooBig['spec'] as Record<string, unknown>)['replicas'] = 99;
    const error = await client.apply(ref, tooBig, { fieldManager: 'capstan-e2e-constructs', dryRun: true }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(422);
    expect((error as ApiError).message).toContain('spec.replicas');
  });
});
