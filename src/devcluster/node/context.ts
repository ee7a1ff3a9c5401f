import type { KubeClient } from '../../k8s/index.js';
import type { PodNetwork } from '../network.js';
import type { DataSource } from './env.js';
import type { ImageMap } from './images.js';
import type { Pod } from './types.js';

/** What a pod worker needs from the node that runs it. */
export interface NodeContext {
  client: KubeClient;
  nodeName: string;
  /** Directory for this node's pods (volumes, logs). */
  podsDir: string;
  /** The pod network, or undefined when pods share the host network (not root). */
  network: PodNetwork | undefined;
  images: ImageMap;
  /** Variables every container gets (the `kubernetes` Service). */
  baseEnv: Record<string, string>;
  data: DataSource;
  allocateIp(): string;
  releaseIp(ip: string): void;
  /** Records a core/v1 Event on the pod, as the kubelet does. */
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Writes the pod's hosts file now (its IP changed or it starts). */
  writeHosts(pod: Pod): Promise<void>;
  /** Tells the node that pod IPs or readiness changed, so every hosts file is refreshed. */
  namesChanged(): void;
}
