import { createHmac } from 'node:crypto';
import type { KubeClient, KubeObject } from '../k8s/index.js';
import type { PushedRef } from './git-server.js';

/** The webhook port of the sync agent's pods. */
const AGENT_WEBHOOK_PORT = 9292;

interface SyncLike extends KubeObject {
  spec?: { url?: string; webhook?: { secretRef?: { name?: string } } };
}

/**
 * After a push to the local git server: every Sync whose URL names `repository` on one of `hosts`
 * (`host:port` forms the server is reached at) and that takes webhooks gets one delivery per moved
 * ref, signed with its token (`X-Capstan-Signature`), sent to every running agent pod, which the
 * host reaches directly. Resolves how many deliveries were accepted; failures are reported through
 * `log` and never thrown, since a push must not fail because the agent is away.
 */
export async function notifyAgents(client: KubeClient, repository: string, hosts: string[], refs: PushedRef[], log: (line: string) => void): Promise<number> {
  let accepted = 0;
  try {
    const syncs = await client.list<SyncLike>({ group: 'capstan.dev', version: 'v1alpha1', resource: 'syncs' }).catch(() => ({ items: [] as SyncLike[] }));
    const ours = syncs.items.filter((s) => {
      try {
        const url = new URL(s.spec?.url ?? '');
        return hosts.includes(url.host) && url.pathname.replace(/\/+$/, '') === `/${repository}`;
      } catch {
        return false;
      }
    });
    if (ours.length === 0) return 0;
    const pods = await client.list<KubeObject & { status?: { phase?: string; podIP?: string } }>({ group: '', version: 'v1', resource: 'pods' }, { labelSelector: 'app.kubernetes.io/name=capstan-agent' });
    const agents = pods.items.filter((p) => p.status?.phase === 'Running' && p.status.podIP).map((p) => p.status!.podIP!);
    for (const sync of ours) {
      const namespace = sync.metadata.namespace!;
      const secretName = sync.spec?.webhook?.secretRef?.name;
      if (!secretName) continue;
      const secret = await client.get<KubeObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'secrets', namespace, name: secretName });
      const token = secret?.data?.['token'] ? Buffer.from(secret.data['token'], 'base64').toString('utf8') : '';
      if (!token) continue;
      for (const ref of refs) {
        const body = JSON.stringify({ ref: ref.ref, before: ref.before, after: ref.after, repository });
        const signature = `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
        for (const ip of agents) {
          const res = await fetch(`http://${ip}:${AGENT_WEBHOOK_PORT}/hooks/${namespace}/${sync.metadata.name}`, {
            method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Capstan-Signature': signature }, signal: AbortSignal.timeout(5000),
          }).catch((err: Error) => err);
          if (res instanceof Error) log(`could not notify the agent at ${ip} of a push to ${repository}: ${res.message}`);
          else if (res.status === 202) accepted++;
          else log(`the agent at ${ip} answered ${res.status} to a push to ${repository}: ${(await res.text()).trim()}`);
        }
      }
    }
  } catch (err) {
    log(`could not notify the sync agents of a push to ${repository}: ${(err as Error).message}`);
  }
  return accepted;
}
