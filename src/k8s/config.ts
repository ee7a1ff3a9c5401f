import { KubeConfig } from '@kubernetes/client-node';

/** How to find the cluster, as kubectl takes it: `--kubeconfig`, `--context`, else `KUBECONFIG`, else in-cluster. */
export interface ConnectOptions {
  /** Path of a kubeconfig file; defaults to `KUBECONFIG` or `~/.kube/config`. */
  kubeconfig?: string | undefined;
  /** Context to use instead of the file's current-context. */
  context?: string | undefined;
}

/**
 * Loads a kubeconfig the way kubectl does: an explicit file, else `KUBECONFIG`, else
 * `~/.kube/config`, else the pod's service account (in-cluster config).
 */
export function loadKubeConfig(options: ConnectOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig) {
    kc.loadFromFile(options.kubeconfig);
  } else {
    kc.loadFromDefault();
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new Error(`context "${options.context}" is not in the kubeconfig (contexts: ${known})`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error('no cluster to talk to: pass --kubeconfig, set KUBECONFIG, or run `capstan dev up` and use the kubeconfig it prints');
  }
  return kc;
}
