import path from 'node:path';
import https from 'node:https';
import http from 'node:http';
import fs from 'node:fs';
import type { Binaries } from './build.js';
import type { Pki } from './pki.js';
import type { ComponentSpec } from './process.js';

/** The ports one local cluster listens on, all on 127.0.0.1. */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwokMetrics: number;
  /** The kubelet endpoint of the local nodes (logs). */
  kubelet: number;
}

/** The service CIDR; 10.96.0.1 is the `kubernetes` Service. */
export const serviceCidr = '10.96.0.0/16';

/** Inputs every component spec is made from. */
export interface ComponentContext {
  stateDir: string;
  binaries: Binaries;
  pki: Pki;
  ports: ClusterPorts;
  /** Address advertised for the `kubernetes` Service (the pod network's gateway, or 127.0.0.1). */
  advertiseAddress: string;
  /** Kubeconfig paths per identity. */
  kubeconfigs: { admin: string; controllerManager: string; scheduler: string };
}

const logs = (ctx: ComponentContext, name: string) => path.join(ctx.stateDir, 'logs', `${name}.log`);
const alwaysAllow = '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics';

/** A controller's own identity, also used to authenticate and authorize callers of its secure port. */
const identity = (kubeconfig: string) => [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`];

/** etcd: one member, loopback only, fsync off (a dev cluster trades durability for speed). */
export function etcdSpec(ctx: ComponentContext): ComponentSpec {
  const client = `http://127.0.0.1:${ctx.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ctx.ports.etcdPeer}`;
  return {
    name: 'etcd',
    command: ctx.binaries.path('etcd'),
    args: [
      '--name=capstan', `--data-dir=${path.join(ctx.stateDir, 'etcd')}`,
      `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=capstan=${peer}`,
      '--unsafe-no-fsync', '--log-level=warn', '--quota-backend-bytes=4294967296',
    ],
    logFile: logs(ctx, 'etcd'),
  };
}

/** kube-apiserver with RBAC and Node authorization and the default admission plugins (ServiceAccount on). */
export function apiserverSpec(ctx: ComponentContext): ComponentSpec {
  const { pki } = ctx;
  return {
    name: 'kube-apiserver',
    command: ctx.binaries.path('kube-apiserver'),
    args: [
      `--etcd-servers=http://127.0.0.1:${ctx.ports.etcdClient}`,
      '--bind-address=127.0.0.1', `--advertise-address=${ctx.advertiseAddress}`, `--secure-port=${ctx.ports.apiserver}`,
      `--tls-cert-file=${pki.apiserver.cert}`, `--tls-private-key-file=${pki.apiserver.key}`, `--client-ca-file=${pki.ca.cert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPublicKey}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${serviceCidr}`,
      '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', '--allow-privileged=true',
      `--kubelet-client-certificate=${pki.apiserverKubeletClient.cert}`, `--kubelet-client-key=${pki.apiserverKubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.ca.cert}`, '--kubelet-preferred-address-types=InternalIP',
      '--profiling=false', '--v=1',
    ],
    logFile: logs(ctx, 'kube-apiserver'),
  };
}

/** kube-controller-manager: every default controller, each with its own service account. */
export function controllerManagerSpec(ctx: ComponentContext): ComponentSpec {
  const { pki } = ctx;
  return {
    name: 'kube-controller-manager',
    command: ctx.binaries.path('kube-controller-manager'),
    args: [
      ...identity(ctx.kubeconfigs.controllerManager),
      '--bind-address=127.0.0.1', `--secure-port=${ctx.ports.controllerManager}`, '--leader-elect=false',
      `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.ca.cert}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`, `--cluster-signing-key-file=${pki.ca.key}`,
      '--use-service-account-credentials=true', `--service-cluster-ip-range=${serviceCidr}`,
      // Nodes start tainted not-ready until this controller looks at them: look every second.
      '--node-monitor-period=1s',
      alwaysAllow, '--v=1',
    ],
    logFile: logs(ctx, 'kube-controller-manager'),
  };
}

/** kube-scheduler with its default profile. */
export function schedulerSpec(ctx: ComponentContext): ComponentSpec {
  return {
    name: 'kube-scheduler',
    command: ctx.binaries.path('kube-scheduler'),
    args: [
      ...identity(ctx.kubeconfigs.scheduler),
      '--bind-address=127.0.0.1', `--secure-port=${ctx.ports.scheduler}`, '--leader-elect=false', alwaysAllow, '--v=1',
    ],
    logFile: logs(ctx, 'kube-scheduler'),
  };
}

/** kwok, managing only the simulated nodes (annotated `kwok.x-k8s.io/node: fake`). */
export function kwokSpec(ctx: ComponentContext): ComponentSpec {
  return {
    name: 'kwok',
    command: ctx.binaries.path('kwok'),
    args: [
      `--kubeconfig=${ctx.kubeconfigs.admin}`, `--config=${ctx.binaries.kwokStages}`,
      '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40', '--cidr=10.244.0.0/16', '--node-ip=127.0.0.1',
      `--server-address=127.0.0.1:${ctx.ports.kwokMetrics}`,
    ],
    logFile: logs(ctx, 'kwok'),
  };
}

/** GETs `url` and resolves whether it answered 200 `ok`; TLS material is optional. */
export function probeHealth(url: string, tls?: { ca?: string; cert?: string; key?: string; insecure?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const options: https.RequestOptions = { timeout: 2000 };
    if (target.protocol === 'https:') {
      if (tls?.ca) options.ca = fs.readFileSync(tls.ca);
      if (tls?.cert) options.cert = fs.readFileSync(tls.cert);
      if (tls?.key) options.key = fs.readFileSync(tls.key);
      options.rejectUnauthorized = !tls?.insecure;
    }
    const req = (target.protocol === 'https:' ? https : http).get(target, options, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
