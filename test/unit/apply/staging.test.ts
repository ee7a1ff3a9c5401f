import { describe, expect, it } from 'vitest';
import { keyOf, planStages, StagingError } from '../../../src/apply/index.js';
import type { StageItem } from '../../../src/apply/staging.js';

function item(apiVersion: string, kind: string, name: string, opts: { ns?: string; annotations?: Record<string, string> } = {}): StageItem {
  return {
    ref: { apiVersion, kind, name, namespace: opts.ns },
    object: { apiVersion, kind, metadata: { name, namespace: opts.ns, annotations: opts.annotations } },
    namespaced: opts.ns !== undefined,
  };
}

const names = (items: StageItem[]) => (keys: string[]) => keys.map((k) => items.find((i) => keyOf(i.ref) === k)!.ref.name).sort();

describe('planStages', () => {
  it('puts Namespaces and CRDs first, then cluster-scoped, then namespaced objects', () => {
    const items = [
      item('apps/v1', 'Deployment', 'web', { ns: 'shop' }),
      item('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
      item('v1', 'Namespace', 'shop'),
      item('example.com/v1', 'Widget', 'w', { ns: 'shop' }),
      item('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
    ];
    const stages = planStages(items);
    const n = names(items);
    expect(stages.map((s) => s.scope)).toEqual(['bootstrap', 'cluster', 'namespaced']);
    expect(n(stages[0]!.keys)).toEqual(['shop', 'widgets.example.com']);
    expect(n(stages[1]!.keys)).toEqual(['reader']);
    expect(n(stages[2]!.keys)).toEqual(['w', 'web']);
    expect(stages.every((s) => s.healthGate.length === 0)).toBe(true);
  });

  it('orders waves and gates each wave on the health of the earlier ones', () => {
    const items = [
      item('v1', 'ConfigMap', 'late', { ns: 'a', annotations: { 'capstan.dev/wave': '2' } }),
      item('v1', 'ConfigMap', 'early', { ns: 'a', annotations: { 'capstan.dev/wave': '-1' } }),
      item('v1', 'ConfigMap', 'plain', { ns: 'a' }),
      item('v1', 'Namespace', 'a', { annotations: { 'capstan.dev/wave': '5' } }),
    ];
    const stages = planStages(items);
    const n = names(items);
    expect(stages.map((s) => n(s.keys))).toEqual([['a'], ['early'], ['plain'], ['late']]);
    expect(n(stages[1]!.healthGate)).toEqual([]);
    expect(n(stages[2]!.healthGate)).toEqual(['early']);
    expect(n(stages[3]!.healthGate)).toEqual(['early', 'plain']);
  });

  it('places an object after its dependencies and gates it on them', () => {
    const items = [
      item('apps/v1', 'Deployment', 'app', { ns: 'a', annotations: { 'capstan.dev/depends-on': 'StatefulSet.apps/db, a/Service/db' } }),
      item('apps/v1', 'StatefulSet', 'db', { ns: 'a' }),
      item('v1', 'Service', 'db', { ns: 'a' }),
      item('batch/v1', 'Job', 'migrate', { ns: 'a', annotations: { 'capstan.dev/depends-on': 'Deployment/app' } }),
    ];
    const stages = planStages(items);
    const n = names(items);
    expect(stages.map((s) => n(s.keys))).toEqual([['db', 'db'], ['app'], ['migrate']]);
    expect(stages.map((s) => s.depth)).toEqual([0, 1, 2]);
    expect(n(stages[1]!.healthGate)).toEqual(['db', 'db']);
    expect(n(stages[2]!.healthGate)).toEqual(['app']);
  });

  it('refuses cycles, unknown dependencies, dependencies on later waves and bad waves', () => {
    const cyc = [
      item('v1', 'ConfigMap', 'x', { ns: 'a', annotations: { 'capstan.dev/depends-on': 'ConfigMap/y' } }),
      item('v1', 'ConfigMap', 'y', { ns: 'a', annotations: { 'capstan.dev/depends-on': 'ConfigMap/x' } }),
    ];
    expect(() => planStages(cyc)).toThrow(/depends-on cycle: ConfigMap\/a\/(x|y) -> ConfigMap\/a\/(x|y) -> ConfigMap\/a\/(x|y)/);
    expect(() => planStages([item('v1', 'ConfigMap', 'x', { ns: 'a', annotations: { 'capstan.dev/depends-on': 'Secret/s' } })])).toThrow(/names "Secret\/s", which is not in this apply set/);
    expect(() => planStages([
      item('v1', 'ConfigMap', 'x', { ns: 'a', annotations: { 'capstan.dev/depends-on': 'ConfigMap/y' } }),
      item('v1', 'ConfigMap', 'y', { ns: 'a', annotations: { 'capstan.dev/wave': '1' } }),
    ])).toThrow(/which is in a later wave/);
    expect(() => planStages([item('v1', 'ConfigMap', 'x', { ns: 'a', annotations: { 'capstan.dev/wave': 'first' } })])).toThrow(StagingError);
  });

  it('resolves a two-part dependency in the same namespace, not another one', () => {
    const items = [
      item('v1', 'ConfigMap', 'x', { ns: 'a', annotations: { 'capstan.dev/depends-on': 'ConfigMap/y' } }),
      item('v1', 'ConfigMap', 'y', { ns: 'b' }),
    ];
    expect(() => planStages(items)).toThrow(/not in this apply set/);
  });
});
