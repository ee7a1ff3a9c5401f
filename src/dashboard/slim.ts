import type { KubeObject } from '../k8s/index.js';
import { isSecretObject } from './mask.js';

// What health rules read, and the names by which a KafkaTopic and an EtcdBackup name their cluster.
const SPEC_KEPT = ['replicas', 'paused', 'updateStrategy', 'type', 'suspend', 'cluster', 'clusterName'] as const;

/**
 * What the dashboard caches of a watched object: identity, owners, the spec fields health rules
 * read, and the status. Everything else (pod templates, ConfigMap data, last-applied annotations)
 * is read with a GET when one object is opened, so memory grows with the number of objects, not
 * their size. A Secret keeps only its metadata: its values are never held.
 */
export function slimObject(obj: KubeObject): KubeObject {
  const m = obj.metadata;
  const out: KubeObject = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, generation: m.generation,
      creationTimestamp: m.creationTimestamp, deletionTimestamp: m.deletionTimestamp, ownerReferences: m.ownerReferences,
    },
  };
  if (isSecretObject(obj)) return out;
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  if (spec && typeof spec === 'object') {
    const kept: Record<string, unknown> = {};
    for (const k of SPEC_KEPT) if (spec[k] !== undefined) kept[k] = spec[k];
    out['spec'] = kept;
  }
  if (obj['status'] !== undefined) out['status'] = obj['status'];
  return out;
}

/** A core Event, reduced to what the views show. */
export interface SlimEvent extends KubeObject {
  involvedObject: { kind?: string; name?: string; namespace?: string; uid?: string };
  type?: string; reason?: string; message?: string; count?: number;
  lastTimestamp?: string; eventTime?: string; firstTimestamp?: string;
  source?: { component?: string }; reportingComponent?: string;
}

/** The fields of a core Event the views show. */
export function slimEvent(obj: KubeObject): KubeObject {
  const e = obj as SlimEvent;
  const out: SlimEvent = {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: e.metadata.name, namespace: e.metadata.namespace, uid: e.metadata.uid, resourceVersion: e.metadata.resourceVersion, creationTimestamp: e.metadata.creationTimestamp },
    involvedObject: { kind: e.involvedObject?.kind, name: e.involvedObject?.name, namespace: e.involvedObject?.namespace, uid: e.involvedObject?.uid },
    type: e.type, reason: e.reason, message: e.message?.slice(0, 2000), count: e.count,
    lastTimestamp: e.lastTimestamp, eventTime: e.eventTime, firstTimestamp: e.firstTimestamp,
    source: { component: e.source?.component ?? e.reportingComponent },
  };
  return out;
}
