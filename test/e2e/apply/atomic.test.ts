import { afterAll, describe, expect, it } from 'vitest';
import { ApplyError } from '../../../src/apply/index.js';
import { eventually, useNamespace } from '../harness.js';
import { manager, manifests, refs, suffix } from './helpers.js';

const { name: ns, client } = useNamespace('apply-atomic');

describe('all or nothing', () => {
  it('applies nothing when one object anywhere in the set is invalid, and names it', async () => {
    const set = manifests(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: good
spec:
  selector: {matchLabels: {app: good}}
  template:
    metadata: {labels: {app: good}}
    spec: {containers: [{name: app, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  replicas: -1
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec: {containers: [{name: app, image: x}]}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: last
`, 'app.yaml');
    const error = await manager(client, ns).applyAll(set).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    const e = error as ApplyError;
    expect(e.written).toBe(false);
    expect(e.failures).toHaveLength(1);
    expect(e.failures[0]!.object).toBe(`Deployment/${ns}/bad (app.yaml, document 2, line 18)`);
    expect(e.failures[0]!.message).toMatch(/spec\.replicas/);
    expect(await client.get(refs.configMap(ns, 'first'))).toBeUndefined();
    expect(await client.get(refs.deployment(ns, 'good'))).toBeUndefined();
    expect(await client.get(refs.configMap(ns, 'last'))).toBeUndefined();
  });

  it('rolls back a namespace it created when an object inside it fails validation', async () => {
    const fresh = `apply-atomic-new-${suffix()}`;
    const set = manifests(`
apiVersion: v1
kind: Namespace
metadata:
  name: ${fresh}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ok
  namespace: ${fresh}
---
apiVersion: v1
kind: Service
metadata:
  name: broken
  namespace: ${fresh}
spec:
  ports: [{port: 99999}]
`);
    const error = await manager(client, ns).applyAll(set).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as ApplyError).message).toMatch(new RegExp(`rolled back: deleted Namespace/${fresh} again; nothing else was applied`));
    expect((error as ApplyError).failures.map((f) => f.object)).toEqual([expect.stringMatching(new RegExp(`^Service/${fresh}/broken`))]);
    await eventually('the namespace to be gone or terminating', async () => {
      const live = await client.get(refs.namespace(fresh));
      return !live || !!live.metadata.deletionTimestamp;
    }, 30_000);
  });
});

describe('all or nothing, with CRD changes and concurrent writers', () => {
  const group = `atomic-${suffix()}.capstan.dev`;
  const crdName = `gauges.${group}`;
  const crd = (maximum?: number) => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${crdName}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: gauges, singular: gauge, kind: Gauge}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              level: {type: integer${maximum === undefined ? '' : `, maximum: ${maximum}`}}
---`;
  const gauge = (name: string, level: number) => `\napiVersion: ${group}/v1\nkind: Gauge\nmetadata:\n  name: ${name}\nspec: {level: ${level}}\n---`;
  const crdRef = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: crdName };
  afterAll(async () => {
    await client.delete(crdRef);
  });

  it('validates a changed custom resource against the tightened schema of its CRD in the same set, and changes nothing when it fails', async () => {
    await manager(client, ns).applyAll(manifests(crd() + gauge('high', 2)));
    const before = await client.get(crdRef);

    const error = await manager(client, ns).applyAll(manifests(crd(3) + gauge('high', 5) + `\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alongside\n`, 'tight.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    const e = error as ApplyError;
    expect(e.failures).toEqual([expect.objectContaining({ object: expect.stringMatching(new RegExp(`^Gauge/${ns}/high \\(tight.yaml`)), message: expect.stringMatching(/spec\.level.*(less than or equal to 3|should be less)/) })]);
    expect(e.message).toMatch(new RegExp(`rolled back: restored CustomResourceDefinition/${crdName}`));
    expect(e.changeSet.entries.find((en) => en.ref.name === 'alongside')).toMatchObject({ action: 'pending' });

    const after = await client.get(crdRef);
    const schema = (o: typeof after) => JSON.stringify((o!['spec'] as { versions: { schema: unknown }[] }).versions[0]!.schema);
    expect(schema(after)).toBe(schema(before));
    expect(schema(after)).not.toContain('maximum');
    expect(await client.get(refs.configMap(ns, 'alongside'))).toBeUndefined();
    const cr = await client.get({ group, version: 'v1', resource: 'gauges', namespace: ns, name: 'high' });
    expect((cr!['spec'] as { level: number }).level).toBe(2);
  });

  it('keeps a namespace it created when another writer filled it before the rollback', async () => {
    const fresh = `apply-atomic-filled-${suffix()}`;
    const newGroup = `filled-${suffix()}.capstan.dev`;
    const set = manifests(`
apiVersion: v1
kind: Namespace
metadata:
  name: ${fresh}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: dials.${newGroup}
spec:
  group: ${newGroup}
  scope: Namespaced
  names: {plural: dials, singular: dial, kind: Dial}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {turns: {type: integer, maximum: 1}}}}}}
---
apiVersion: ${newGroup}/v1
kind: Dial
metadata:
  name: too-far
  namespace: ${fresh}
spec: {turns: 9}
`);
    let foreign: Promise<unknown> | undefined;
    const error = await manager(client, ns).applyAll(set, {
      onEvent: (event) => {
        // Another writer puts its object into the new namespace while the CRD is being established.
        if (event.type === 'object' && event.entry.ref.kind === 'Namespace') {
          foreign = client.create({ group: '', version: 'v1', resource: 'configmaps', namespace: fresh }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-elses' } });
        }
      },
    }).catch((e: unknown) => e);
    await foreign;
    try {
      expect(error).toBeInstanceOf(ApplyError);
      expect((error as ApplyError).message).toMatch(new RegExp(`kept Namespace/${fresh}, which now holds objects of others \\(ConfigMap/${fresh}/someone-elses\\)`));
      expect((error as ApplyError).message).toMatch(new RegExp(`deleted CustomResourceDefinition/dials.${newGroup} again`));
      const kept = await client.get(refs.namespace(fresh));
      expect(kept && !kept.metadata.deletionTimestamp).toBeTruthy();
      expect(await client.get(refs.configMap(fresh, 'someone-elses'))).toBeDefined();
    } finally {
      await client.delete(refs.namespace(fresh));
      await client.delete({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: `dials.${newGroup}` });
    }
  });
});
