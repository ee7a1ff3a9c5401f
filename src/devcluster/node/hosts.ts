import type { Pod, Service } from './types.js';

/** Cluster domain of the local cluster. */
export const clusterDomain = 'cluster.local';

/** The name under which pods reach the host (the pod network's gateway). */
export const hostAlias = 'host.capstan.internal';

/** Whether a pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function selects(selector: Record<string, string> | undefined, pod: Pod): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * The hosts file of one pod: what cluster DNS would answer, written out for the names that exist now.
 * There is no kube-proxy, so a ClusterIP Service's name resolves straight to one ready pod behind it
 * (clients must use the target port); a headless Service resolves to its pods, and each pod with
 * `hostname` + `subdomain` gets `hostname.subdomain.<ns>.svc.cluster.local` as cluster DNS gives it:
 * only while a headless Service named after the subdomain selects it, and only ready pods unless the
 * Service publishes not-ready addresses.
 */
export function renderHosts(self: Pod, pods: Iterable<Pod>, services: Iterable<Service>, gateway: string): string {
  const ns = self.metadata.namespace!;
  const lines: string[] = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  const names = (short: string, namespace: string): string[] => {
    const fqdn = [`${short}.${namespace}.svc.${clusterDomain}`, `${short}.${namespace}.svc`, `${short}.${namespace}`];
    return namespace === ns ? [...fqdn, short] : fqdn;
  };

  const ownIp = self.status?.podIP;
  if (ownIp) {
    const hostname = self.spec.hostname ?? self.metadata.name!;
    const own = self.spec.subdomain ? [...names(`${hostname}.${self.spec.subdomain}`, ns), hostname] : [hostname];
    lines.push(`${ownIp}\t${own.join(' ')}`);
  }
  lines.push(`${gateway}\t${hostAlias} ${names('kubernetes', 'default').join(' ')}`);

  const podList = [...pods].filter((p) => p.status?.podIP && !p.metadata.deletionTimestamp);
  podList.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  for (const svc of services) {
    const svcNs = svc.metadata.namespace!;
    if (svcNs === 'default' && svc.metadata.name === 'kubernetes') continue;
    const headless = svc.spec.clusterIP === 'None';
    const backing = podList.filter((p) => p.metadata.namespace === svcNs && selects(svc.spec.selector, p) && (isPodReady(p) || (headless && svc.spec.publishNotReadyAddresses)));
    if (headless) {
      for (const pod of backing) {
        if (pod.spec.subdomain === svc.metadata.name) {
          lines.push(`${pod.status!.podIP}\t${names(`${pod.spec.hostname ?? pod.metadata.name}.${svc.metadata.name}`, svcNs).join(' ')}`);
        }
      }
      for (const pod of backing) lines.push(`${pod.status!.podIP}\t${names(svc.metadata.name!, svcNs).join(' ')}`);
    } else if (backing[0]) {
      lines.push(`${backing[0].status!.podIP}\t${names(svc.metadata.name!, svcNs).join(' ')}`);
    }
  }
  return lines.join('\n') + '\n';
}
