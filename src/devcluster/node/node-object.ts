import os from 'node:os';
import { versions } from '../versions.js';

/** Label that tells local nodes (real processes) from simulated ones. */
export const nodeTypeLabel = 'capstan.dev/node-type';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The status of a local node: Ready, with this machine's capacity and its kubelet endpoint. */
export function localNodeStatus(kubeletPort: number): Record<string, unknown> {
  const capacity = { cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': '100Gi' };
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now(), lastTransitionTime: now() });
  return {
    capacity,
    allocatable: capacity,
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'capstan local node is posting ready status'),
    ],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: os.hostname() }],
    daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
    nodeInfo: {
      machineID: '', systemUUID: '', bootID: '',
      kernelVersion: os.release(), osImage: `${os.type()} ${os.release()}`, operatingSystem: 'linux', architecture: os.arch() === 'x64' ? 'amd64' : os.arch(),
      containerRuntimeVersion: 'capstan-local://0.1.0', kubeletVersion: versions.kubernetes, kubeProxyVersion: '',
    },
  };
}

/** A local node: runs its pods as processes on this machine. */
export function localNode(name: string, podCidr: string, kubeletPort: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', [nodeTypeLabel]: 'local' },
    },
    spec: { podCIDR: podCidr, podCIDRs: [podCidr] },
    status: localNodeStatus(kubeletPort),
  };
}

/** A simulated node managed by kwok, tainted so only pods that tolerate it land there. */
export function simulatedNode(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', [nodeTypeLabel]: 'simulated' },
    },
    spec: { taints: [{ key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' }] },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      nodeInfo: { architecture: 'amd64', kubeletVersion: 'fake', kubeProxyVersion: 'fake', operatingSystem: 'linux' },
      phase: 'Running',
    },
  };
}
