import { parseApiVersion, type KubeObject } from '../k8s/index.js';

/** Identity of one object: what an inventory records and a change set reports. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string | undefined;
  name: string;
}

/** Where a manifest came from, for error messages. */
export interface ManifestSource {
  /** File path, or `<stdin>`. */
  file: string;
  /** 0-based position of the YAML document in the file. */
  index: number;
  /** 1-based line where the document starts. */
  line: number;
}

/** One desired object and where it was read from. */
export interface Manifest {
  object: KubeObject;
  source?: ManifestSource | undefined;
  /** Unquoted scalars that YAML 1.1 reads as booleans or octal numbers, with their lines: shown when the object fails. */
  hints?: string[] | undefined;
}

/** The reference of an object. */
export function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', namespace: obj.metadata.namespace || undefined, name: obj.metadata.name ?? '' };
}

/**
 * A version-independent key: `group/Kind/namespace/name`. Two apiVersions of one group
 * name the same object, so identity ignores the version.
 */
export function keyOf(ref: ObjectRef): string {
  return `${parseApiVersion(ref.apiVersion).group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** A short human form: `Kind/name` or `Kind/namespace/name`. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** `describeRef` (of `ref`, else of the manifest as written) plus where the manifest came from. */
export function describeManifest(m: Manifest, ref?: ObjectRef): string {
  const where = m.source ? ` (${m.source.file}, document ${m.source.index}, line ${m.source.line})` : '';
  return `${describeRef(ref ?? refOf(m.object))}${where}`;
}

/** The group of an apiVersion. */
export function groupOf(apiVersion: string): string {
  return parseApiVersion(apiVersion).group;
}

/** Whether the object is a Namespace. */
export const isNamespace = (ref: ObjectRef): boolean => ref.kind === 'Namespace' && groupOf(ref.apiVersion) === '';

/** Whether the object is a CustomResourceDefinition. */
export const isCRD = (ref: ObjectRef): boolean => ref.kind === 'CustomResourceDefinition' && groupOf(ref.apiVersion) === 'apiextensions.k8s.io';

/** A deep copy of plain JSON data. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
