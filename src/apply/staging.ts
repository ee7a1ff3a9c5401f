import type { KubeObject } from '../k8s/index.js';
import { Annotations, annotation } from './annotations.js';
import { describeRef, groupOf, isCRD, isNamespace, keyOf, type ObjectRef } from './objects.js';

/** What staging needs to know about one object. */
export interface StageItem {
  ref: ObjectRef;
  object: KubeObject;
  namespaced: boolean;
}

/** Where an item falls within a wave: cluster-scoped objects go before namespaced ones. */
export type StageScope = 'bootstrap' | 'cluster' | 'namespaced';

/** One batch of objects applied together; the batches run in order. */
export interface Stage {
  /** Human name, e.g. `wave 0, namespaced`. */
  name: string;
  scope: StageScope;
  wave: number;
  /** Depth in the depends-on graph within the wave (0 = no dependency in the same wave). */
  depth: number;
  /** Keys ({@link keyOf}) of the objects of this stage. */
  keys: string[];
  /**
   * Keys of objects that must be healthy (Current) before this stage is applied: every object
   * of earlier waves on the first stage of a wave, and the declared dependencies.
   */
  healthGate: string[];
}

/** A staging problem: a bad annotation, an unknown dependency or a cycle. */
export class StagingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StagingError';
  }
}

/**
 * Sorts objects into stages. Namespaces and CRDs form the bootstrap stage, always first.
 * The rest are ordered by wave (annotation `capstan.dev/wave`, default 0), then by depth in
 * their `capstan.dev/depends-on` graph, then cluster-scoped before namespaced.
 */
export function planStages(items: StageItem[]): Stage[] {
  const byKey = new Map(items.map((i) => [keyOf(i.ref), i]));
  const wave = new Map<string, number>();
  for (const [key, item] of byKey) wave.set(key, isBootstrap(item.ref) ? -Infinity : parseWave(item));
  const deps = new Map<string, string[]>();
  for (const [key, item] of byKey) deps.set(key, resolveDependsOn(item, items));

  for (const [key, list] of deps) {
    for (const dep of list) {
      if ((wave.get(dep) ?? 0) > (wave.get(key) ?? 0)) {
        throw new StagingError(`${describe(byKey, key)} depends on ${describe(byKey, dep)}, which is in a later wave (${wave.get(dep)} > ${wave.get(key)}): move it to the same or an earlier wave`);
      }
    }
  }

  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (key: string, path: string[]): number => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) {
      const cycle = [...path.slice(path.indexOf(key)), key].map((k) => describe(byKey, k)).join(' -> ');
      throw new StagingError(`depends-on cycle: ${cycle}: remove one of these dependencies`);
    }
    visiting.add(key);
    let d = 0;
    for (const dep of deps.get(key) ?? []) {
      if (wave.get(dep) === wave.get(key)) d = Math.max(d, depthOf(dep, [...path, key]) + 1);
    }
    visiting.delete(key);
    depth.set(key, d);
    return d;
  };
  for (const key of byKey.keys()) depthOf(key, []);

  const groups = new Map<string, Stage>();
  for (const [key, item] of byKey) {
    const scope: StageScope = isBootstrap(item.ref) ? 'bootstrap' : item.namespaced ? 'namespaced' : 'cluster';
    const w = wave.get(key) ?? 0;
    const d = scope === 'bootstrap' ? 0 : depth.get(key) ?? 0;
    const id = `${w}|${d}|${scope}`;
    let stage = groups.get(id);
    if (!stage) {
      const name = scope === 'bootstrap' ? 'namespaces and CRDs' : `wave ${w}${d ? `, depth ${d}` : ''}, ${scope === 'cluster' ? 'cluster-scoped' : 'namespaced'}`;
      stage = { name, scope, wave: w, depth: d, keys: [], healthGate: [] };
      groups.set(id, stage);
    }
    stage.keys.push(key);
  }
  const scopeOrder: Record<StageScope, number> = { bootstrap: 0, cluster: 1, namespaced: 2 };
  const stages = [...groups.values()].sort((a, b) => a.wave - b.wave || a.depth - b.depth || scopeOrder[a.scope] - scopeOrder[b.scope]);

  let previousWave: number | undefined;
  for (const stage of stages) {
    const gate = new Set<string>();
    if (stage.scope !== 'bootstrap' && previousWave !== undefined && previousWave !== -Infinity && stage.wave !== previousWave) {
      for (const [key, w] of wave) if (w < stage.wave && w !== -Infinity) gate.add(key);
    }
    for (const key of stage.keys) for (const dep of deps.get(key) ?? []) gate.add(dep);
    stage.healthGate = [...gate].sort();
    if (stage.scope !== 'bootstrap') previousWave = stage.wave;
  }
  return stages;
}

/** Namespaces and CRDs: what every other object may need to exist first. */
export function isBootstrap(ref: ObjectRef): boolean {
  return isNamespace(ref) || isCRD(ref);
}

function parseWave(item: StageItem): number {
  const raw = annotation(item.object, Annotations.wave);
  if (raw === undefined || raw.trim() === '') return 0;
  if (!/^[+-]?\d+$/.test(raw.trim())) {
    throw new StagingError(`${describeRef(item.ref)}: annotation ${Annotations.wave} must be an integer, found "${raw}"`);
  }
  return Number(raw.trim());
}

/** Resolves the depends-on annotation of `item` to keys of objects in `items`. */
export function resolveDependsOn(item: StageItem, items: StageItem[]): string[] {
  const raw = annotation(item.object, Annotations.dependsOn);
  if (!raw) return [];
  const out: string[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const parts = entry.split('/');
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) {
      throw new StagingError(`${describeRef(item.ref)}: ${Annotations.dependsOn} entry "${entry}" is not Kind[.group]/name or namespace/Kind[.group]/name`);
    }
    const [namespace, kindGroup, name] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
    const dot = kindGroup!.indexOf('.');
    const kind = dot < 0 ? kindGroup! : kindGroup!.slice(0, dot);
    const group = dot < 0 ? undefined : kindGroup!.slice(dot + 1);
    const matches = items.filter((c) => {
      if (c.ref.kind !== kind || c.ref.name !== name) return false;
      if (group !== undefined && groupOf(c.ref.apiVersion) !== group) return false;
      if (!c.namespaced) return namespace === undefined;
      return c.ref.namespace === (namespace ?? item.ref.namespace);
    });
    if (matches.length === 0) {
      throw new StagingError(`${describeRef(item.ref)}: ${Annotations.dependsOn} names "${entry}", which is not in this apply set: add it, or remove the dependency`);
    }
    if (matches.length > 1) {
      throw new StagingError(`${describeRef(item.ref)}: ${Annotations.dependsOn} entry "${entry}" matches ${matches.length} objects: add the group, as Kind.group/name`);
    }
    const key = keyOf(matches[0]!.ref);
    if (key === keyOf(item.ref)) throw new StagingError(`${describeRef(item.ref)}: ${Annotations.dependsOn} names the object itself`);
    out.push(key);
  }
  return out;
}

function describe(byKey: Map<string, StageItem>, key: string): string {
  const item = byKey.get(key);
  return item ? describeRef(item.ref) : key;
}
