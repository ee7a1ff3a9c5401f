import type { KubeClient } from './client.js';
import { isNotFound } from './errors.js';
import { parseApiVersion, type ResourceRef } from './paths.js';

/** One resource type the API server serves, as discovery describes it. */
export interface ResourceMapping {
  group: string;
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  kind: string;
  /** Whether objects of this type live in a namespace. */
  namespaced: boolean;
  /** Verbs the resource supports, e.g. `get`, `list`, `patch`. */
  verbs: string[];
}

/** The API server's answer to `GET /api/v1` or `GET /apis/<group>/<version>`. */
interface APIResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

/** The API server's answer to `GET /apis`. */
interface APIGroupList {
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { version: string } }[];
}

/**
 * No served resource has this apiVersion and kind. `waitingFor` names the CRD that would
 * define it when the caller knows one (for instance a CRD in the same apply set).
 */
export class UnknownKindError extends Error {
  readonly apiVersion: string;
  readonly kind: string;
  readonly waitingFor: string | undefined;

  constructor(apiVersion: string, kind: string, waitingFor?: string) {
    const fix = waitingFor
      ? `it is defined by CustomResourceDefinition ${waitingFor}, which is not established yet`
      : 'install the CustomResourceDefinition that defines it, or fix apiVersion/kind';
    super(`the API server does not serve kind ${kind} in apiVersion ${apiVersion}: ${fix}`);
    this.name = 'UnknownKindError';
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.waitingFor = waitingFor;
  }
}

/**
 * Kind → resource mapping from the API server's discovery documents. Each group/version is
 * fetched once, when first needed, and cached; call {@link refresh} after a CRD is added or
 * changed so the new kinds are seen.
 */
export class Discovery {
  private readonly client: KubeClient;
  private readonly groupVersions = new Map<string, Promise<APIResourceList | undefined>>();
  private groups: Promise<APIGroupList> | undefined;

  constructor(client: KubeClient) {
    this.client = client;
  }

  /** The resource of `apiVersion`/`kind`; throws {@link UnknownKindError} when none is served. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceMapping> {
    const found = await this.lookup(apiVersion, kind);
    if (!found) throw new UnknownKindError(apiVersion, kind);
    return found;
  }

  /** Like {@link resourceFor} but resolves `undefined` for an unknown kind. */
  async lookup(apiVersion: string, kind: string): Promise<ResourceMapping | undefined> {
    const { group, version } = parseApiVersion(apiVersion);
    const list = await this.groupVersion(group, version);
    const entry = list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!entry) return undefined;
    return { group, version, resource: entry.name, kind, namespaced: entry.namespaced, verbs: entry.verbs ?? [] };
  }

  /**
   * The resource of `kind` in `group`, at `preferVersion` when still served, else at the
   * group's preferred version. Used for objects recorded under a version that may be gone.
   */
  async resourceForGroupKind(group: string, kind: string, preferVersion?: string): Promise<ResourceMapping | undefined> {
    if (preferVersion) {
      const exact = await this.lookup(group ? `${group}/${preferVersion}` : preferVersion, kind);
      if (exact) return exact;
    }
    if (group === '') return this.lookup('v1', kind);
    const g = (await this.groupList()).groups.find((x) => x.name === group);
    if (!g) return undefined;
    const versions = [g.preferredVersion?.version, ...g.versions.map((v) => v.version)].filter((v): v is string => !!v);
    for (const v of versions) {
      const found = await this.lookup(`${group}/${v}`, kind);
      if (found) return found;
    }
    return undefined;
  }

  /** Every resource type at its group's preferred version (for sweeps such as "what is left in this namespace"). */
  async preferredResources(): Promise<ResourceMapping[]> {
    const lists = await Promise.all([
      this.groupVersion('', 'v1'),
      ...(await this.groupList()).groups.map((g) => {
        const version = g.preferredVersion?.version ?? g.versions[0]?.version;
        return version ? this.groupVersion(g.name, version) : Promise.resolve(undefined);
      }),
    ]);
    const out: ResourceMapping[] = [];
    for (const list of lists) {
      if (!list) continue;
      const { group, version } = parseApiVersion(list.groupVersion);
      for (const r of list.resources) {
        if (r.name.includes('/')) continue;
        out.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] });
      }
    }
    return out;
  }

  /**
   * Forgets cached discovery so the next lookup asks the API server again: for one
   * group (every version of it) when `group` is given, else for everything.
   */
  refresh(group?: string): void {
    this.groups = undefined;
    if (group === undefined) {
      this.groupVersions.clear();
      return;
    }
    for (const key of [...this.groupVersions.keys()]) {
      if (parseApiVersion(key).group === group) this.groupVersions.delete(key);
    }
  }

  private groupVersion(group: string, version: string): Promise<APIResourceList | undefined> {
    const key = group ? `${group}/${version}` : version;
    let pending = this.groupVersions.get(key);
    if (!pending) {
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      // Only answers are cached: a group/version that is not served yet is asked again next time.
      pending = this.client.request<APIResourceList>({ method: 'GET', path }).then(
        (list) => list,
        (err: unknown) => {
          this.groupVersions.delete(key);
          if (isNotFound(err)) return undefined;
          throw err;
        },
      );
      this.groupVersions.set(key, pending);
    }
    return pending;
  }

  private groupList(): Promise<APIGroupList> {
    if (!this.groups) {
      const pending = this.client.request<APIGroupList>({ method: 'GET', path: '/apis' });
      pending.catch(() => { if (this.groups === pending) this.groups = undefined; });
      this.groups = pending;
    }
    return this.groups;
  }
}

/** The REST location of one object of a mapped resource. */
export function objectRef(mapping: ResourceMapping, name: string, namespace?: string): ResourceRef {
  return {
    group: mapping.group,
    version: mapping.version,
    resource: mapping.resource,
    namespace: mapping.namespaced ? namespace : undefined,
    name,
  };
}
