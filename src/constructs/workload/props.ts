import type { ApiObject } from 'cdk8s';
import type { ObjectReference } from '../schema/depends-on.js';
import type { ResourceRequirements } from '../schema/operator.js';

/** A port the container listens on; a plain number means the same port on the Service, TCP. */
export type PortSpec = number | {
  /** Port of the Service. */
  readonly port: number;
  /** Port of the container. @default port */
  readonly targetPort?: number;
  /** @default `port-<port>` */
  readonly name?: string;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
};

/** An environment value: a literal, or a key of a Secret or ConfigMap, or a field of the pod. */
export type EnvValue = string
  | { readonly secret: string; readonly key: string }
  | { readonly configMap: string; readonly key: string }
  | { readonly field: string };

/**
 * Compose's `healthcheck`, as Kubernetes probes: one of `http`, `tcp` or `command` is
 * checked every `interval` seconds; `retries` failures in a row make the container unready
 * (readiness) and then restart it (liveness); `startPeriod` seconds are allowed for start-up.
 */
export interface Healthcheck {
  /** HTTP GET; success is a 2xx or 3xx answer. */
  readonly http?: { readonly path: string; /** @default the first port's container port */ readonly port?: number };
  /** A TCP port that must accept connections. */
  readonly tcp?: number;
  /** A command run in the container; exit 0 is healthy (Compose's `test: ["CMD", ...]`). */
  readonly command?: readonly string[];
  /** Seconds between checks. @default 10 */
  readonly interval?: number;
  /** Seconds a check may take. @default 5 */
  readonly timeout?: number;
  /** Failures in a row before unhealthy. @default 3 */
  readonly retries?: number;
  /** Seconds the container gets to start before failures count. @default 0 */
  readonly startPeriod?: number;
}

/** A persistent volume: one PersistentVolumeClaim per replica, mounted at `mountPath`. */
export interface VolumeSpec {
  /** DNS label naming the claim template. */
  readonly name: string;
  readonly mountPath: string;
  /** @default '1Gi' */
  readonly size?: string;
  /** @default the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** @default ['ReadWriteOnce'] */
  readonly accessModes?: readonly string[];
}

/** Something a workload waits for: another workload, any object of the app, or a reference. */
export type Dependency = { readonly dependencyTarget: ApiObject } | ApiObject | ObjectReference;

/** Props of a {@link Workload}: the fields of a Compose service, typed. */
export interface WorkloadProps {
  /** Container image, e.g. `postgres:16`. */
  readonly image: string;
  /** Object name and DNS name of the Service. @default the construct id */
  readonly name?: string;
  /** Overrides the image's entrypoint (Compose `entrypoint`). */
  readonly command?: readonly string[];
  /** Overrides the image's arguments (Compose `command`). */
  readonly args?: readonly string[];
  /** Ports to publish inside the cluster through a Service named like the workload. */
  readonly ports?: readonly PortSpec[];
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** @default 1 */
  readonly replicas?: number;
  readonly healthcheck?: Healthcheck;
  /** Applied, and healthy, before this workload (the `capstan.dev/depends-on` annotation). */
  readonly dependsOn?: readonly Dependency[];
  /** Persistent volumes; a workload with volumes is a StatefulSet, one claim per replica. */
  readonly volumes?: readonly VolumeSpec[];
  /** Files written into the container: absolute path to contents, from a ConfigMap. */
  readonly configFiles?: Readonly<Record<string, string>>;
  readonly resources?: ResourceRequirements;
  /** Extra labels on every object. */
  readonly labels?: Readonly<Record<string, string>>;
}
