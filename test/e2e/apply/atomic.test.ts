import { describe, expect, it } from 'vitest';
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
