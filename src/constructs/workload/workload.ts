import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { DEPENDS_ON_ANNOTATION, formatDependsOn, type ObjectReference } from '../schema/depends-on.js';
import { ConstructPropsError } from '../errors.js';
import { objectName, standardLabels } from '../names.js';
import { probesOf } from './probes.js';
import { configFilesLayout } from './config-files.js';
import type { Dependency, EnvValue, PortSpec, WorkloadProps } from './props.js';

/**
 * One service the way Compose writes it — image, ports, env, replicas, healthcheck,
 * depends_on, volumes, config files — synthesized as a Deployment (a StatefulSet when it has
 * volumes, one PersistentVolumeClaim per replica), a Service named like the workload so other
 * workloads reach it by name, and a ConfigMap for the config files.
 */
export class Workload extends Construct {
  /** The object and DNS name. */
  readonly name: string;
  /** The Deployment or StatefulSet; what others wait for when they depend on this workload. */
  readonly dependencyTarget: ApiObject;
  /** The Service, when the workload has ports. */
  readonly service: ApiObject | undefined;
  /** The ConfigMap, when the workload has config files. */
  readonly configMap: ApiObject | undefined;

  constructor(scope: Construct, id: string, props: WorkloadProps) {
    super(scope, id);
    const fail = (field: string, detail: string): never => { throw new ConstructPropsError(this, field, detail); };
    this.name = objectName(this, props.name);
    if (!props.image.trim()) fail('image', 'must name a container image, e.g. nginx:1.27');
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 0) fail('replicas', `must be a whole number, 0 or more, got ${replicas}`);

    const labels = { ...standardLabels(this.name), ...props.labels };
    const selector = { 'app.kubernetes.io/name': this.name };
    const ports = (props.ports ?? []).map((p, i) => portOf(p, i, fail));
    const volumes = props.volumes ?? [];
    volumes.forEach((v, i) => {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v.name)) fail(`volumes[${i}].name`, `"${v.name}" must be a DNS label`);
      if (!v.mountPath.startsWith('/')) fail(`volumes[${i}].mountPath`, `"${v.mountPath}" must be an absolute path`);
    });

    const podVolumes: unknown[] = [];
    const mounts: unknown[] = volumes.map((v) => ({ name: v.name, mountPath: v.mountPath }));
    const podAnnotations: Record<string, string> = {};
    if (props.configFiles && Object.keys(props.configFiles).length > 0) {
      const layout = configFilesLayout(props.configFiles, 'config-files', fail);
      this.configMap = new ApiObject(this, 'config', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${this.name}-config`, labels },
        data: layout.data,
      });
      podVolumes.push({ name: 'config-files', configMap: { name: this.configMap.name } });
      mounts.push(...layout.mounts);
      podAnnotations['capstan.dev/config-hash'] = layout.hash;
    }

    const container: Record<string, unknown> = {
      name: this.name,
      image: props.image,
      ...(props.command ? { command: [...props.command] } : {}),
      ...(props.args ? { args: [...props.args] } : {}),
      ...(props.env ? { env: Object.keys(props.env).sort().map((k) => envVar(k, props.env![k]!)) } : {}),
      ...(ports.length ? { ports: ports.map((p) => ({ name: p.name, containerPort: p.targetPort, protocol: p.protocol })) } : {}),
      ...(props.healthcheck ? probesOf(props.healthcheck, ports[0]?.targetPort, fail) : {}),
      ...(props.resources ? { resources: props.resources } : {}),
      ...(mounts.length ? { volumeMounts: mounts } : {}),
    };
    const template = {
      metadata: { labels, ...(Object.keys(podAnnotations).length ? { annotations: podAnnotations } : {}) },
      spec: { containers: [container], ...(podVolumes.length ? { volumes: podVolumes } : {}) },
    };

    const dependencies = (props.dependsOn ?? []).map((d, i) => referenceOf(d, i, fail));
    const annotations = dependencies.length ? { [DEPENDS_ON_ANNOTATION]: formatDependsOn(dependencies.map((d) => d.ref)) } : undefined;
    const metadata = { name: this.name, labels, ...(annotations ? { annotations } : {}) };

    if (volumes.length > 0) {
      this.dependencyTarget = new ApiObject(this, 'statefulset', {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata,
        spec: {
          replicas,
          serviceName: this.name,
          selector: { matchLabels: selector },
          template,
          volumeClaimTemplates: volumes.map((v) => ({
            metadata: { name: v.name, labels },
            spec: {
              accessModes: [...(v.accessModes ?? ['ReadWriteOnce'])],
              resources: { requests: { storage: v.size ?? '1Gi' } },
              ...(v.storageClassName ? { storageClassName: v.storageClassName } : {}),
            },
          })),
        },
      });
    } else {
      this.dependencyTarget = new ApiObject(this, 'deployment', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: { replicas, selector: { matchLabels: selector }, template },
      });
    }
    if (this.configMap) this.dependencyTarget.node.addDependency(this.configMap);
    for (const d of dependencies) if (d.object) this.dependencyTarget.node.addDependency(d.object);

    if (ports.length > 0) {
      this.service = new ApiObject(this, 'service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: this.name, labels },
        spec: { selector, ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol })) },
      });
    }
  }
}

interface Port { name: string; port: number; targetPort: number; protocol: string }

function portOf(spec: PortSpec, i: number, fail: (f: string, d: string) => never): Port {
  const p = typeof spec === 'number' ? { port: spec } : spec;
  const targetPort = p.targetPort ?? p.port;
  for (const [field, value] of [['port', p.port], ['targetPort', targetPort]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 65535) fail(`ports[${i}].${field}`, `must be 1-65535, got ${value}`);
  }
  const name = p.name ?? `port-${p.port}`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 15) fail(`ports[${i}].name`, `"${name}" must be a DNS label of at most 15 characters`);
  return { name, port: p.port, targetPort, protocol: p.protocol ?? 'TCP' };
}

function envVar(name: string, value: EnvValue): Record<string, unknown> {
  if (typeof value === 'string') return { name, value };
  if ('secret' in value) return { name, valueFrom: { secretKeyRef: { name: value.secret, key: value.key } } };
  if ('configMap' in value) return { name, valueFrom: { configMapKeyRef: { name: value.configMap, key: value.key } } };
  return { name, valueFrom: { fieldRef: { fieldPath: value.field } } };
}

function referenceOf(dep: Dependency, i: number, fail: (f: string, d: string) => never): { ref: ObjectReference; object?: ApiObject } {
  const object = 'dependencyTarget' in dep ? dep.dependencyTarget : ApiObject.isApiObject(dep) ? dep : undefined;
  if (object) {
    return { object, ref: { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.name } };
  }
  const ref = dep as ObjectReference;
  if (!ref.apiVersion || !ref.kind || !ref.name) fail(`dependsOn[${i}]`, 'a reference needs apiVersion, kind and name');
  return { ref };
}
