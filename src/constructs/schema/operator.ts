import type { TObject } from '@sinclair/typebox';
import type { CustomResourceType } from './custom-resource.js';
import { resourceOf, type KindRef } from './kinds.js';

/** An RBAC policy rule (rbac.authorization.k8s.io/v1). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Container resource requests and limits. */
export interface ResourceRequirements {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

/** A kind the operator depends on: a built-in or other kind reference, or one of our custom resources. */
export type KindDeclaration = KindRef | CustomResourceType<TObject, TObject>;

/** How an operator is declared. */
export interface OperatorOptions {
  /** DNS label; the pod runs `capstan operator <name>`. */
  readonly name: string;
  /** The custom resource kinds it reconciles; their CRDs are installed with it. */
  readonly reconciles: readonly CustomResourceType<TObject, TObject>[];
  /** Kinds it creates and deletes (children): full read and write access. */
  readonly owns?: readonly KindDeclaration[];
  /** Kinds it only reads: get, list, watch. */
  readonly watches?: readonly KindDeclaration[];
  /** Further rules written by hand, for needs the declarations above do not cover. */
  readonly extraRules?: readonly PolicyRule[];
  /** Watch every namespace with a ClusterRole instead of its own namespace with a Role. @default false */
  readonly clusterWide?: boolean;
  /** Image holding the `capstan` CLI. @default the `capstan.dev/image` context value, else {@link DEFAULT_OPERATOR_IMAGE} */
  readonly image?: string;
  /** @default 1 (leader election is on, so more replicas are hot standbys) */
  readonly replicas?: number;
  /** @default requests 50m CPU / 64Mi, limit 256Mi */
  readonly resources?: ResourceRequirements;
}

/** The image built from this repository's Dockerfile. */
export const DEFAULT_OPERATOR_IMAGE = 'ghcr.io/capstan-dev/capstan:0.1.0';

/** The port the operator manager serves /metrics, /healthz and /readyz on (src/controller's default). */
export const OPERATOR_PORT = 8080;

/** An operator declaration; pure data that both the construct and the run-time side read. */
export interface OperatorDefinition extends Required<Pick<OperatorOptions, 'name' | 'reconciles' | 'clusterWide'>> {
  readonly options: OperatorOptions;
  /** The lease the replicas compete for. */
  readonly leaseName: string;
}

/** Raised when an operator declaration is inconsistent. */
export class OperatorDefinitionError extends Error {
  constructor(operator: string, detail: string) {
    super(`operator ${operator}: ${detail}`);
    this.name = 'OperatorDefinitionError';
  }
}

/** Declares an operator: what it reconciles, owns and watches. */
export function defineOperator(options: OperatorOptions): OperatorDefinition {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.name) || options.name.length > 40) {
    throw new OperatorDefinitionError(options.name, 'name must be a lowercase DNS label of at most 40 characters');
  }
  if (options.reconciles.length === 0) throw new OperatorDefinitionError(options.name, 'reconciles must list at least one custom resource kind');
  if (options.replicas !== undefined && (!Number.isInteger(options.replicas) || options.replicas < 1)) {
    throw new OperatorDefinitionError(options.name, `replicas must be a positive integer, got ${options.replicas}`);
  }
  const definition: OperatorDefinition = {
    name: options.name,
    reconciles: options.reconciles,
    clusterWide: options.clusterWide ?? false,
    options,
    leaseName: `${options.name}-operator-leader`,
  };
  operatorRules(definition); // fail at definition time on unknown kinds
  return definition;
}

/** The rules of an operator, split by where they are granted. */
export interface OperatorRules {
  /** Granted in the operator's namespace (a Role), always. */
  readonly namespaced: PolicyRule[];
  /** Granted cluster-wide (a ClusterRole); empty unless `clusterWide`. */
  readonly cluster: PolicyRule[];
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete'];

/**
 * The least-privilege rules for an operator: full access to what it owns, read access to what
 * it watches, and what the runtime itself needs (its custom resources with their status and
 * finalizers, a Lease for leader election, Events). Rules are merged and sorted so the output
 * is deterministic.
 */
export function operatorRules(def: OperatorDefinition): OperatorRules {
  const owner = `operator ${def.name}`;
  const grants = new Grants();
  const cluster = new Grants();
  const target = def.clusterWide ? cluster : grants;
  const grant = (decl: KindDeclaration, verbs: string[], where: string): void => {
    const r = isCustomResource(decl)
      ? { group: decl.group, resource: decl.plural, namespaced: decl.scope === 'Namespaced', subresources: [] as readonly string[] }
      : { ...resourceOf(decl, owner), subresources: decl.subresources ?? [] };
    if (!r.namespaced && !def.clusterWide) {
      throw new OperatorDefinitionError(def.name, `${where} ${r.resource}.${r.group || 'core'} is cluster-scoped; set clusterWide: true to grant it with a ClusterRole`);
    }
    target.add(r.group, r.resource, verbs);
    for (const sub of r.subresources) target.add(r.group, `${r.resource}/${sub}`, ['get', 'create', 'update', 'patch']);
  };
  for (const cr of def.reconciles) {
    grant(cr, [...READ, 'update', 'patch'], 'reconciles');
    target.add(cr.group, `${cr.plural}/status`, ['get', 'update', 'patch']);
    target.add(cr.group, `${cr.plural}/finalizers`, ['update']);
  }
  for (const o of def.options.owns ?? []) grant(o, [...READ, ...WRITE], 'owns');
  for (const w of def.options.watches ?? []) grant(w, READ, 'watches');
  target.add('', 'events', ['create', 'patch']);
  target.add('events.k8s.io', 'events', ['create', 'patch']);
  // Leader election happens in the operator's own namespace, whatever it watches.
  grants.add('coordination.k8s.io', 'leases', [...READ, 'create', 'update', 'patch']);
  const extra = (def.options.extraRules ?? []).map((r) => ({ ...r }));
  return {
    namespaced: [...grants.rules(), ...(def.clusterWide ? [] : extra)],
    cluster: def.clusterWide ? [...cluster.rules(), ...extra] : [],
  };
}

function isCustomResource(decl: KindDeclaration): decl is CustomResourceType<TObject, TObject> {
  return 'crd' in decl && 'specSchema' in decl;
}

/** Accumulates verbs per (group, resource), then merges resources that share group and verbs. */
class Grants {
  private readonly verbs = new Map<string, Set<string>>();

  add(group: string, resource: string, verbs: string[]): void {
    const key = `${group}\u0000${resource}`;
    const set = this.verbs.get(key) ?? new Set<string>();
    for (const v of verbs) set.add(v);
    this.verbs.set(key, set);
  }

  rules(): PolicyRule[] {
    const merged = new Map<string, PolicyRule>();
    for (const [key, verbs] of this.verbs) {
      const [group = '', resource = ''] = key.split('\u0000');
      const sorted = [...verbs].sort();
      const id = `${group}\u0000${sorted.join(',')}`;
      const rule = merged.get(id) ?? { apiGroups: [group], resources: [], verbs: sorted };
      rule.resources.push(resource);
      merged.set(id, rule);
    }
    const rules = [...merged.values()];
    for (const r of rules) r.resources.sort();
    return rules.sort((a, b) => compare(a.apiGroups[0]!, b.apiGroups[0]!) || compare(a.resources[0]!, b.resources[0]!));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
