import { afterAll, describe, expect, it } from 'vitest';
import { summarize } from '../../../src/apply/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { useNamespace } from '../harness.js';
import { manager, manifests, refs, resourceVersion, suffix } from './helpers.js';

const { name: ns, client } = useNamespace('apply-crd');
const group = `apply-e2e-${suffix()}.capstan.dev`;
const crdName = `widgets.${group}`;

const set = () => manifests(`
apiVersion: ${group}/v1
kind: Widget
metadata:
  name: small
spec:
  size: 1
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${crdName}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
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
              size: {type: integer}
              color: {type: string, default: blue}
`);

afterAll(async () => {
  await client.delete(refs.crd(crdName));
});

describe('CRD and custom resources in one apply', () => {
  it('applies the CRD first, waits for it, then its custom resources', async () => {
    const rm = manager(client, ns);
    const stages: string[] = [];
    const result = await rm.applyAll(set(), { onEvent: (e) => { if (e.type === 'stage') stages.push(e.stage.scope); } });
    expect(stages).toEqual(['bootstrap', 'namespaced']);
    expect(result.entries.map((e) => [e.ref.kind, e.action])).toEqual([['CustomResourceDefinition', 'created'], ['Widget', 'created']]);
    const widget = await client.get<KubeObject>({ group, version: 'v1', resource: 'widgets', namespace: ns, name: 'small' });
    expect(widget!['spec']).toEqual({ size: 1, color: 'blue' });
  });

  it('shows no drift from schema defaults and writes nothing on re-apply', async () => {
    const widgetRef = { group, version: 'v1', resource: 'widgets', namespace: ns, name: 'small' };
    const before = [await resourceVersion(client, refs.crd(crdName)), await resourceVersion(client, widgetRef)];
    for (const alwaysDryRun of [false, true]) {
      const diff = await manager(client, ns, alwaysDryRun).diff(set());
      expect(summarize(diff).unchanged).toBe(2);
    }
    const again = await manager(client, ns).applyAll(set());
    expect(summarize(again)).toMatchObject({ unchanged: 2, created: 0, configured: 0 });
    expect([await resourceVersion(client, refs.crd(crdName)), await resourceVersion(client, widgetRef)]).toEqual(before);
  });

  it('names the missing CRD of an unknown kind', async () => {
    const error = await manager(client, ns).applyAll(manifests(`apiVersion: nothing-${suffix()}.capstan.dev/v1\nkind: Gadget\nmetadata:\n  name: g\n`, 'gadget.yaml')).catch((e: unknown) => e);
    expect(String(error)).toMatch(/Gadget\/g \(gadget\.yaml, document 0, line 1\): the API server does not serve kind Gadget in apiVersion nothing-\w+\.capstan\.dev\/v1: install the CustomResourceDefinition/);
  });
});
