import { afterAll, describe, expect, it } from 'vitest';
import { ConfigMapInventory } from '../../../src/apply/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';
import { useNamespace } from '../harness.js';
import { manager, manifests, refs, suffix } from './helpers.js';

const { name: ns, client } = useNamespace('apply-prune');

const cm = (name: string, annotations: Record<string, string> = {}, namespace?: string) => `
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}  annotations: ${JSON.stringify(annotations)}
data: {v: "1"}
---`;

/** The engine's sync verb for an inventory of this namespace, as `capstan apply --inventory NAME --prune` runs it; returns the prune's entries. */
async function sync(inventoryName: string, yaml: string, options: { adopt?: boolean } = {}) {
  const result = await manager(client, ns).sync(manifests(yaml), new ConfigMapInventory(client, inventoryName, ns), { allowEmpty: true, ...options });
  return { changeSet: { entries: result.entries.filter((e) => e.action === 'deleted' || e.action === 'skipped') } };
}

const exists = async (name: string, namespace = ns) => !!(await client.get(refs.configMap(namespace, name)));

describe('prune', () => {
  it('removes only what this inventory applied and still owns', async () => {
    await sync('app-a', cm('a1') + cm('a2') + cm('a3', { 'capstan.dev/prune': 'disabled' }) + cm('moved'));
    await sync('app-b', cm('b1'));
    // Inventory B adopts "moved": it now carries B's mark, so A must not delete it.
    await sync('app-b', cm('b1') + cm('moved'), { adopt: true });

    const pruned = await sync('app-a', cm('a1'));
    const byName = Object.fromEntries(pruned.changeSet.entries.map((e) => [e.ref.name, [e.action, e.message ?? '']]));
    expect(byName['a2']).toEqual(['deleted', '']);
    expect(byName['a3']![0]).toBe('skipped');
    expect(byName['a3']![1]).toMatch(/pruning disabled/);
    expect(byName['moved']![0]).toBe('skipped');
    expect(byName['moved']![1]).toMatch(new RegExp(`now owned by ConfigMap ${ns}/app-b`));
    expect(await exists('a1')).toBe(true);
    expect(await exists('a3')).toBe(true);
    expect(await exists('moved')).toBe(true);
    expect(await exists('b1')).toBe(true);
    const gone = await client.get<KubeObject>(refs.configMap(ns, 'a2'));
    expect(!gone || !!gone.metadata.deletionTimestamp).toBe(true);
    expect((await new ConfigMapInventory(client, 'app-a', ns).load())!.map((r) => r.name)).toEqual(['a1']);
  });

  it('refuses an empty desired set unless allowed', async () => {
    await sync('app-empty', cm('e1'));
    const rm = manager(client, ns);
    const inventory = new ConfigMapInventory(client, 'app-empty', ns);
    const previous = (await inventory.load())!;
    await expect(rm.sync([], inventory)).rejects.toThrow(/refusing to apply an empty set/);
    await expect(rm.prune(previous, [], { owner: inventory.id })).rejects.toThrow(/refusing to prune all 1 objects/);
    expect(await exists('e1')).toBe(true);
    const pruned = await rm.sync([], inventory, { allowEmpty: true });
    expect(pruned.entries.map((e) => e.action)).toEqual(['deleted']);
  });

  describe('namespaces', () => {
    const kept = `apply-prune-kept-${suffix()}`;
    const freed = `apply-prune-freed-${suffix()}`;
    afterAll(async () => {
      await client.delete(refs.namespace(kept));
      await client.delete(refs.namespace(freed));
    });

    it('keeps a namespace that holds a foreign object, deletes one that holds only ours', async () => {
      const nsDoc = (name: string) => `\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n---`;
      await sync('app-ns', nsDoc(kept) + nsDoc(freed) + cm('inside', {}, kept) + cm('inside', {}, freed) + cm('anchor'));
      await client.create({ group: '', version: 'v1', resource: 'configmaps', namespace: kept }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign' } });

      const pruned = await sync('app-ns', cm('anchor'));
      const entries = pruned.changeSet.entries.map((e) => `${e.ref.kind}/${e.ref.namespace ?? ''}/${e.ref.name} ${e.action}`);
      expect(new Set(entries)).toEqual(new Set([
        `ConfigMap/${kept}/inside deleted`,
        `ConfigMap/${freed}/inside deleted`,
        `Namespace//${kept} skipped`,
        `Namespace//${freed} deleted`,
      ]));
      expect(entries.slice(0, 2).every((e) => e.startsWith('ConfigMap/'))).toBe(true);
      const skipped = pruned.changeSet.entries.find((e) => e.ref.name === kept)!;
      expect(skipped.message).toMatch(new RegExp(`ConfigMap/${kept}/foreign`));
      const keptNs = await client.get<KubeObject>(refs.namespace(kept));
      expect(keptNs && !keptNs.metadata.deletionTimestamp).toBe(true);
      expect(await exists('foreign', kept)).toBe(true);
      const freedNs = await client.get<KubeObject>(refs.namespace(freed));
      expect(!freedNs || !!freedNs.metadata.deletionTimestamp).toBe(true);
    });
  });

  describe('namespaces holding what others made', () => {
    const withEndpoints = `apply-prune-ep-${suffix()}`;
    const withOwned = `apply-prune-owned-${suffix()}`;
    const ownerRole = `apply-prune-owner-${suffix()}`;
    afterAll(async () => {
      await client.delete(refs.namespace(withEndpoints));
      await client.delete(refs.namespace(withOwned));
      await client.delete({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', name: ownerRole });
    });

    it('keeps a namespace holding a hand-made Endpoints, or a Secret owned by a foreign object, and deletes what Kubernetes made for our own objects', async () => {
      const nsDoc = (name: string) => `\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n---`;
      const svc = (namespace: string) => `\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: ${namespace}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n---`;
      await sync('app-foreign', nsDoc(withEndpoints) + nsDoc(withOwned) + svc(withEndpoints) + svc(withOwned) + cm('anchor-f'));
      // A selector-less Service's endpoints, written by hand, and a Secret owned by someone else's cluster-scoped object.
      await client.create({ group: '', version: 'v1', resource: 'endpoints', namespace: withEndpoints }, {
        apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external-db' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }],
      });
      const owner = await client.create({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' }, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: ownerRole }, rules: [] });
      await client.create({ group: '', version: 'v1', resource: 'secrets', namespace: withOwned }, {
        apiVersion: 'v1', kind: 'Secret', metadata: { name: 'their-child', ownerReferences: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: ownerRole, uid: owner.metadata.uid! }] },
      });

      const pruned = await sync('app-foreign', cm('anchor-f'));
      const byName = Object.fromEntries(pruned.changeSet.entries.map((e) => [`${e.ref.kind}/${e.ref.namespace ?? ''}/${e.ref.name}`, [e.action, e.message ?? '']]));
      expect(byName[`Service/${withEndpoints}/web`]![0]).toBe('deleted');
      expect(byName[`Namespace//${withEndpoints}`]).toEqual(['skipped', expect.stringMatching(new RegExp(`Endpoints/${withEndpoints}/external-db`))]);
      expect(byName[`Namespace//${withEndpoints}`]![1]).not.toMatch(/Endpoints\/[^,]*\/web/);
      expect(byName[`Namespace//${withOwned}`]).toEqual(['skipped', expect.stringMatching(new RegExp(`Secret/${withOwned}/their-child`))]);
      for (const name of [withEndpoints, withOwned]) {
        const live = await client.get<KubeObject>(refs.namespace(name));
        expect(live && !live.metadata.deletionTimestamp).toBeTruthy();
      }
      expect(await client.get({ group: '', version: 'v1', resource: 'endpoints', namespace: withEndpoints, name: 'external-db' })).toBeDefined();
      expect(await client.get({ group: '', version: 'v1', resource: 'secrets', namespace: withOwned, name: 'their-child' })).toBeDefined();
    });
  });

  describe('custom resource definitions', () => {
    const group = `prune${suffix()}.capstan.dev`;
    const crdName = `gadgets.${group}`;
    afterAll(async () => {
      await client.delete({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: crdName });
    });

    it('keeps a CRD whose custom resources it did not apply, so pruning never deletes foreign data', async () => {
      const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${crdName}}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: ${group}/v1
kind: Gadget
metadata: {name: ours}
---`;
      await sync('app-crd', crd + cm('anchor-crd'));
      const gadgets = { group, version: 'v1', resource: 'gadgets', namespace: ns };
      await client.create(gadgets, { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'foreign' } });

      const pruned = await sync('app-crd', cm('anchor-crd'));
      const byKind = Object.fromEntries(pruned.changeSet.entries.map((e) => [`${e.ref.kind}/${e.ref.name}`, [e.action, e.message ?? '']]));
      expect(byKind['Gadget/ours']).toEqual(['deleted', '']);
      expect(byKind[`CustomResourceDefinition/${crdName}`]![0]).toBe('skipped');
      expect(byKind[`CustomResourceDefinition/${crdName}`]![1]).toMatch(new RegExp(`Gadget/${ns}/foreign`));
      expect(await client.get({ ...gadgets, name: 'foreign' })).toBeDefined();

      // Once nothing foreign uses it, the retained CRD is pruned on the next sync.
      await client.delete({ ...gadgets, name: 'foreign' });
      let crdGone = false;
      for (let i = 0; i < 20 && !crdGone; i++) {
        const again = await sync('app-crd', cm('anchor-crd'));
        crdGone = again.changeSet.entries.some((e) => e.ref.kind === 'CustomResourceDefinition' && e.action === 'deleted');
        if (!crdGone) await new Promise((r) => setTimeout(r, 250));
      }
      expect(crdGone).toBe(true);
    });
  });
});
