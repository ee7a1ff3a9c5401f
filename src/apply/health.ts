import type { KubeObject } from '../k8s/index.js';
import { Annotations, annotation } from './annotations.js';

/** kstatus status of an object. */
export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound';

/** The status of an object and the reason for it. */
export interface Health {
  status: HealthStatus;
  message: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

type Obj = Record<string, unknown>;

const current = (message = 'Resource is current'): Health => ({ status: 'Current', message });
const inProgress = (message: string): Health => ({ status: 'InProgress', message });
const failed = (message: string): Health => ({ status: 'Failed', message });

/**
 * The health of an object by kstatus rules: Terminating while being deleted; InProgress
 * while the controller has not observed the latest generation; then per-kind rules for
 * workloads, Jobs, Pods, PVCs, Services, CRDs and Namespaces, and for everything else the
 * standard conditions (`Reconciling`, `Stalled`, `Ready`).
 */
export function computeHealth(obj: KubeObject | undefined): Health {
  if (!obj) return { status: 'NotFound', message: 'Resource not found' };
  if (obj.metadata.deletionTimestamp) return { status: 'Terminating', message: 'Resource scheduled for deletion' };
  const status = (obj['status'] ?? {}) as Obj;
  const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []) as Condition[];

  const generation = obj.metadata.generation;
  const observed = status['observedGeneration'];
  if (typeof observed === 'number' && typeof generation === 'number' && observed < generation) {
    return inProgress(`Generation ${generation} not yet observed (observed ${observed})`);
  }

  const stalled = find(conditions, 'Stalled');
  if (stalled?.status === 'True') return failed(stalled.message || stalled.reason || 'Stalled');
  const reconciling = find(conditions, 'Reconciling');
  if (reconciling?.status === 'True') return inProgress(reconciling.message || reconciling.reason || 'Reconciling');

  const awaited = annotation(obj, Annotations.readyCondition)?.trim();
  if (awaited) return declaredReadiness(obj, conditions, awaited);

  const group = (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion ?? '').split('/')[0] : '';
  const rule = RULES[`${group}/${obj.kind ?? ''}`];
  if (rule) return rule(obj, status, conditions);
  return genericHealth(obj, status, conditions);
}

type Rule = (obj: KubeObject, status: Obj, conditions: Condition[]) => Health;

const RULES: Record<string, Rule> = {
  'apps/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'apps/ReplicaSet': replicaSetHealth,
  'batch/Job': jobHealth,
  '/Pod': podHealth,
  '/PersistentVolumeClaim': pvcHealth,
  '/Service': serviceHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': crdHealth,
  '/Namespace': namespaceHealth,
};

/** An object that names its ready condition is Current only once that condition is True for its generation; until its operator writes it, it is InProgress. */
function declaredReadiness(obj: KubeObject, conditions: Condition[], type: string): Health {
  const condition = find(conditions, type);
  if (!condition) return inProgress(`Waiting for condition ${type}`);
  const generation = obj.metadata.generation;
  if (typeof condition.observedGeneration === 'number' && typeof generation === 'number' && condition.observedGeneration < generation) {
    return inProgress(`${type} condition describes generation ${condition.observedGeneration}, not ${generation}`);
  }
  if (condition.status !== 'True') return inProgress(`${type} is ${condition.status ?? 'unset'}: ${condition.message || condition.reason || 'no reason given'}`);
  return current(condition.message || `${type} is True`);
}

function genericHealth(obj: KubeObject, _status: Obj, conditions: Condition[]): Health {
  const ready = find(conditions, 'Ready');
  const generation = obj.metadata.generation;
  if (ready && typeof ready.observedGeneration === 'number' && typeof generation === 'number' && ready.observedGeneration < generation) {
    return inProgress(`Ready condition describes generation ${ready.observedGeneration}, not ${generation}`);
  }
  if (ready?.status === 'False') return inProgress(ready.message || ready.reason || 'Ready is False');
  if (ready?.status === 'Unknown') return inProgress(ready.message || ready.reason || 'Ready is Unknown');
  return current();
}

function deploymentHealth(obj: KubeObject, status: Obj): Health {
  const spec = (obj['spec'] ?? {}) as Obj;
  if (spec['paused'] === true) return current('Deployment is paused');
  const conditions = (status['conditions'] ?? []) as Condition[];
  const progressing = find(conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return failed(`Progress deadline exceeded: ${progressing.message ?? ''}`.trim());
  const want = num(spec['replicas'], 1);
  const replicas = num(status['replicas']);
  const updated = num(status['updatedReplicas']);
  const ready = num(status['readyReplicas']);
  const available = num(status['availableReplicas']);
  if (updated < want) return inProgress(`Updated: ${updated}/${want}`);
  if (replicas > updated) return inProgress(`Pending termination: ${replicas - updated}`);
  if (available < updated) return inProgress(`Available: ${available}/${updated}`);
  if (ready < updated) return inProgress(`Ready: ${ready}/${updated}`);
  const availableCond = find(conditions, 'Available');
  if (availableCond && availableCond.status !== 'True') return inProgress('Deployment not Available');
  return current(`Deployment is available. Replicas: ${replicas}`);
}

function statefulSetHealth(obj: KubeObject, status: Obj): Health {
  const spec = (obj['spec'] ?? {}) as Obj;
  const strategy = (spec['updateStrategy'] ?? {}) as Obj;
  if (strategy['type'] === 'OnDelete') return current('StatefulSet is using the OnDelete strategy');
  const want = num(spec['replicas'], 1);
  const ready = num(status['readyReplicas']);
  const currentReplicas = num(status['currentReplicas']);
  const replicas = num(status['replicas']);
  if (replicas < want) return inProgress(`Replicas: ${replicas}/${want}`);
  if (ready < want) return inProgress(`Ready: ${ready}/${want}`);
  const partition = num(((strategy['rollingUpdate'] ?? {}) as Obj)['partition']);
  if (partition > 0) {
    const updated = num(status['updatedReplicas']);
    if (updated < want - partition) return inProgress(`Partitioned roll out in progress: ${updated}/${want - partition} updated`);
    return current(`Partitioned roll out complete: ${updated} updated`);
  }
  if (currentReplicas < want) return inProgress(`Current: ${currentReplicas}/${want}`);
  if (status['updateRevision'] !== undefined && status['currentRevision'] !== status['updateRevision']) {
    return inProgress(`Waiting for revision ${String(status['updateRevision'])} to replace ${String(status['currentRevision'])}`);
  }
  return current(`All replicas scheduled as expected. Replicas: ${replicas}`);
}

function daemonSetHealth(_obj: KubeObject, status: Obj): Health {
  const desired = num(status['desiredNumberScheduled']);
  const scheduled = num(status['currentNumberScheduled']);
  const updated = num(status['updatedNumberScheduled']);
  const available = num(status['numberAvailable']);
  const ready = num(status['numberReady']);
  if (status['desiredNumberScheduled'] === undefined) return inProgress('Missing .status.desiredNumberScheduled');
  if (scheduled < desired) return inProgress(`Scheduled: ${scheduled}/${desired}`);
  if (updated < desired) return inProgress(`Updated: ${updated}/${desired}`);
  if (available < desired) return inProgress(`Available: ${available}/${desired}`);
  if (ready < desired) return inProgress(`Ready: ${ready}/${desired}`);
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
}

function replicaSetHealth(obj: KubeObject, status: Obj, conditions: Condition[]): Health {
  const spec = (obj['spec'] ?? {}) as Obj;
  const failure = find(conditions, 'ReplicaFailure');
  if (failure?.status === 'True') return inProgress(`Replica failure: ${failure.message ?? failure.reason ?? ''}`.trim());
  const want = num(spec['replicas'], 1);
  const labeled = num(status['fullyLabeledReplicas']);
  const available = num(status['availableReplicas']);
  const ready = num(status['readyReplicas']);
  const replicas = num(status['replicas']);
  if (labeled < want) return inProgress(`Labelled: ${labeled}/${want}`);
  if (available < want) return inProgress(`Available: ${available}/${want}`);
  if (ready < want) return inProgress(`Ready: ${ready}/${want}`);
  if (replicas > want) return inProgress(`Pending termination: ${replicas - want}`);
  return current(`ReplicaSet is available. Replicas: ${replicas}`);
}

function jobHealth(_obj: KubeObject, status: Obj, conditions: Condition[]): Health {
  const failedCond = find(conditions, 'Failed');
  if (failedCond?.status === 'True') return failed(`Job failed: ${failedCond.message || failedCond.reason || ''}`.trim());
  const complete = find(conditions, 'Complete');
  if (complete?.status === 'True') return current('Job completed');
  if (status['startTime'] === undefined) return inProgress('Job not started');
  return inProgress(`Job in progress: active ${num(status['active'])}, succeeded ${num(status['succeeded'])}, failed ${num(status['failed'])}`);
}

function podHealth(_obj: KubeObject, status: Obj, conditions: Condition[]): Health {
  const phase = status['phase'];
  if (phase === 'Succeeded') return current('Pod has completed successfully');
  if (phase === 'Failed') return failed(`Pod has failed${status['reason'] ? `: ${String(status['reason'])}` : ''}`);
  const containers = [...asArray(status['initContainerStatuses']), ...asArray(status['containerStatuses'])] as Obj[];
  for (const c of containers) {
    const waiting = ((c['state'] ?? {}) as Obj)['waiting'] as Obj | undefined;
    const reason = waiting?.['reason'];
    if (reason === 'CrashLoopBackOff' || reason === 'ImagePullBackOff' || reason === 'ErrImagePull' || reason === 'CreateContainerConfigError' || reason === 'InvalidImageName') {
      return failed(`Container ${String(c['name'])}: ${String(reason)}${waiting?.['message'] ? `: ${String(waiting['message'])}` : ''}`);
    }
  }
  if (phase === 'Running') {
    const ready = find(conditions, 'Ready');
    if (ready?.status === 'True') return current('Pod is Ready');
    return inProgress(`Pod is running but not ready${ready?.message ? `: ${ready.message}` : ''}`);
  }
  const scheduled = find(conditions, 'PodScheduled');
  if (scheduled?.status === 'False') return inProgress(`Pod not scheduled: ${scheduled.message || scheduled.reason || ''}`.trim());
  return inProgress(`Pod phase ${String(phase ?? 'unknown')}`);
}

function pvcHealth(_obj: KubeObject, status: Obj): Health {
  if (status['phase'] === 'Bound') return current('PVC is Bound');
  return inProgress(`PVC is not Bound (phase ${String(status['phase'] ?? 'unknown')})`);
}

function serviceHealth(obj: KubeObject, status: Obj): Health {
  const spec = (obj['spec'] ?? {}) as Obj;
  if (spec['type'] !== 'LoadBalancer') return current('Service is ready');
  const ingress = asArray(((status['loadBalancer'] ?? {}) as Obj)['ingress']);
  if (ingress.length === 0) return inProgress('LoadBalancer has no ingress address yet');
  return current('Service is ready');
}

function crdHealth(_obj: KubeObject, _status: Obj, conditions: Condition[]): Health {
  const names = find(conditions, 'NamesAccepted');
  if (names?.status === 'False') return failed(`CRD names not accepted: ${names.message || names.reason || ''}`.trim());
  const established = find(conditions, 'Established');
  if (established?.status === 'True') return current('CRD is established');
  return inProgress('CRD is not established yet');
}

function namespaceHealth(_obj: KubeObject, status: Obj): Health {
  if (status['phase'] === 'Active') return current('Namespace is active');
  if (status['phase'] === 'Terminating') return { status: 'Terminating', message: 'Namespace is terminating' };
  return inProgress(`Namespace phase ${String(status['phase'] ?? 'unknown')}`);
}

function find(conditions: Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' ? value : fallback;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
