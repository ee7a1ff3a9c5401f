/** Where a resource lives in the REST API. `group` is '' for the core group. */
export interface ResourceRef {
  group: string;
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  namespace?: string | undefined;
  name?: string | undefined;
  /** e.g. `status`, `scale`, `token`. */
  subresource?: string | undefined;
}

/** The URL path of a resource, collection or subresource. */
export function resourcePath(ref: ResourceRef): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  let path = base;
  if (ref.namespace) path += `/namespaces/${encodeURIComponent(ref.namespace)}`;
  path += `/${ref.resource}`;
  if (ref.name) path += `/${encodeURIComponent(ref.name)}`;
  if (ref.subresource) {
    if (!ref.name) throw new Error(`subresource ${ref.subresource} of ${ref.resource} needs a name`);
    path += `/${ref.subresource}`;
  }
  return path;
}

/** Splits an apiVersion such as `apps/v1` or `v1` into group and version. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
