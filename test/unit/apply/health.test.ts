import { describe, expect, it } from 'vitest';
import { computeHealth, type HealthStatus } from '../../../src/apply/index.js';
import type { KubeObject } from '../../../src/k8s/index.js';

const obj = (apiVersion: string, kind: string, rest: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion, kind, metadata: { name: 'x', generation: 2, ...meta }, ...rest });
const status = (o: KubeObject): HealthStatus => computeHealth(o).status;

describe('computeHealth', () => {
  it('NotFound, Terminating, and unobserved generations', () => {
    expect(status(undefined as unknown as KubeObject)).toBe('NotFound');
    expect(status(obj('v1', 'ConfigMap', {}, { deletionTimestamp: '2024-01-01T00:00:00Z' }))).toBe('Terminating');
    expect(computeHealth(obj('apps/v1', 'Deployment', { spec: { replicas: 1 }, status: { observedGeneration: 1 } }))).toEqual({ status: 'InProgress', message: 'Generation 2 not yet observed (observed 1)' });
  });

  it('an object naming its ready condition waits for it, even before its operator wrote any status', () => {
    const kc = (st?: Record<string, unknown>) => obj('kafka.capstan.dev/v1alpha1', 'KafkaCluster', st ? { status: st } : {}, { annotations: { 'capstan.dev/ready-condition': 'Ready' } });
    expect(computeHealth(kc())).toEqual({ status: 'InProgress', message: 'Waiting for condition Ready' });
    expect(computeHealth(kc({ observedGeneration: 2, conditions: [{ type: 'Ready', status: 'False', reason: 'Starting', message: '0/3 brokers ready', observedGeneration: 2 }] }))).toEqual({ status: 'InProgress', message: 'Ready is False: 0/3 brokers ready' });
    expect(status(kc({ observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1 }] }))).toBe('InProgress');
    expect(status(kc({ observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] }))).toBe('Current');
    expect(status(kc({ conditions: [{ type: 'Stalled', status: 'True', message: 'bad spec' }] }))).toBe('Failed');
    // Without the annotation, kstatus rules: no status at all is Current.
    expect(status(obj('kafka.capstan.dev/v1alpha1', 'KafkaCluster'))).toBe('Current');
  });

  it('Deployment: rolling, available, stuck', () => {
    const dep = (s: Record<string, unknown>, replicas = 3) => obj('apps/v1', 'Deployment', { spec: { replicas }, status: { observedGeneration: 2, ...s } });
    expect(status(dep({ replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }))).toBe('InProgress');
    expect(status(dep({ replicas: 4, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }))).toBe('InProgress');
    expect(status(dep({ replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 }))).toBe('InProgress');
    expect(status(dep({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, conditions: [{ type: 'Available', status: 'True' }] }))).toBe('Current');
    expect(status(dep({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }))).toBe('Failed');
    expect(status(dep({}, 0))).toBe('Current');
  });

  it('StatefulSet, DaemonSet, ReplicaSet', () => {
    expect(status(obj('apps/v1', 'StatefulSet', { spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, readyReplicas: 2, currentReplicas: 2, currentRevision: 'a', updateRevision: 'b' } }))).toBe('InProgress');
    expect(status(obj('apps/v1', 'StatefulSet', { spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, readyReplicas: 2, currentReplicas: 2, currentRevision: 'b', updateRevision: 'b' } }))).toBe('Current');
    expect(status(obj('apps/v1', 'DaemonSet', { status: { observedGeneration: 2, desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1, numberReady: 2 } }))).toBe('InProgress');
    expect(status(obj('apps/v1', 'DaemonSet', { status: { observedGeneration: 2, desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 2 } }))).toBe('Current');
    expect(status(obj('apps/v1', 'ReplicaSet', { spec: { replicas: 1 }, status: { observedGeneration: 2, replicas: 1, fullyLabeledReplicas: 1, availableReplicas: 1, readyReplicas: 1 } }))).toBe('Current');
  });

  it('Job and Pod', () => {
    expect(status(obj('batch/v1', 'Job', { status: { startTime: 't', active: 1 } }))).toBe('InProgress');
    expect(status(obj('batch/v1', 'Job', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }))).toBe('Current');
    expect(status(obj('batch/v1', 'Job', { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } }))).toBe('Failed');
    expect(status(obj('v1', 'Pod', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }))).toBe('Current');
    expect(status(obj('v1', 'Pod', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } }))).toBe('InProgress');
    expect(computeHealth(obj('v1', 'Pod', { status: { phase: 'Running', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }] } })).message).toMatch(/app: CrashLoopBackOff/);
    expect(status(obj('v1', 'Pod', { status: { phase: 'Succeeded' } }))).toBe('Current');
  });

  it('PVC, Service, CRD, Namespace', () => {
    expect(status(obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } }))).toBe('InProgress');
    expect(status(obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Bound' } }))).toBe('Current');
    expect(status(obj('v1', 'Service', { spec: { type: 'ClusterIP' } }))).toBe('Current');
    expect(status(obj('v1', 'Service', { spec: { type: 'LoadBalancer' }, status: {} }))).toBe('InProgress');
    expect(status(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions: [{ type: 'Established', status: 'False' }] } }))).toBe('InProgress');
    expect(status(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions: [{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }] } }))).toBe('Current');
    expect(status(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions: [{ type: 'NamesAccepted', status: 'False' }] } }))).toBe('Failed');
    expect(status(obj('v1', 'Namespace', { status: { phase: 'Active' } }))).toBe('Current');
    expect(status(obj('v1', 'Namespace', { status: { phase: 'Terminating' } }))).toBe('Terminating');
  });

  it('custom resources: Ready, Reconciling, Stalled, observedGeneration', () => {
    const cr = (s: Record<string, unknown>) => obj('example.com/v1', 'Widget', { status: s });
    expect(status(obj('example.com/v1', 'Widget'))).toBe('Current');
    expect(status(cr({ observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] }))).toBe('Current');
    expect(status(cr({ observedGeneration: 2, conditions: [{ type: 'Ready', status: 'False', message: 'waiting for quorum' }] }))).toBe('InProgress');
    expect(status(cr({ observedGeneration: 2, conditions: [{ type: 'Reconciling', status: 'True' }, { type: 'Ready', status: 'True' }] }))).toBe('InProgress');
    expect(computeHealth(cr({ observedGeneration: 2, conditions: [{ type: 'Stalled', status: 'True', message: 'bad spec' }] }))).toEqual({ status: 'Failed', message: 'bad spec' });
    expect(status(cr({ conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1 }] }))).toBe('InProgress');
  });
});
