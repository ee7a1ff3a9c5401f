import type { Discovery, KubeClient } from '../k8s/index.js';

/** What every verb of the apply engine works with; {@link ResourceManager} is the one implementation. */
export interface Engine {
  readonly client: KubeClient;
  readonly discovery: Discovery;
  /** Field manager of every server-side apply. */
  readonly fieldManager: string;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Namespace for namespaced objects that name none. */
  readonly defaultNamespace: string;
  /** Always ask the server by dry-run, even when managed fields prove an object unchanged. */
  readonly alwaysDryRun: boolean;
}
