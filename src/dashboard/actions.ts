import { pinRevision, requestReconcile, setSuspended, unpinRevision } from '../agent/steer.js';
import type { KubeClient } from '../k8s/index.js';
import type { ActionResult } from './api-types.js';

/** The actions a POST may ask for on a Sync. */
export const ACTIONS = ['reconcile', 'suspend', 'resume', 'rollback', 'unpin'] as const;
/** One of {@link ACTIONS}. */
export type ActionName = (typeof ACTIONS)[number];

/** Whether `name` is an action the dashboard takes. */
export function isAction(name: string): name is ActionName {
  return (ACTIONS as readonly string[]).includes(name);
}

/**
 * Takes one action on a Sync with the same calls as `capstan sync reconcile|suspend|resume|rollback|unpin`,
 * without waiting for the agent: the page sees the outcome arrive through its live view.
 */
export async function runAction(client: KubeClient, namespace: string, name: string, action: ActionName, body: { revision?: unknown }): Promise<ActionResult> {
  const what = `Sync ${namespace}/${name}`;
  switch (action) {
    case 'reconcile':
      await requestReconcile(client, namespace, name);
      return { ok: true, message: `asked the agent to reconcile ${what} now` };
    case 'suspend':
      await setSuspended(client, namespace, name, true);
      return { ok: true, message: `suspended ${what}` };
    case 'resume':
      await setSuspended(client, namespace, name, false);
      await requestReconcile(client, namespace, name);
      return { ok: true, message: `resumed ${what}` };
    case 'rollback': {
      if (typeof body.revision !== 'string') throw new BadRequestError('a rollback needs {"revision": "<sha>"} in its body');
      const sha = await pinRevision(client, namespace, name, body.revision);
      await requestReconcile(client, namespace, name);
      return { ok: true, message: `pinned ${what} to ${sha}; later pushes wait until it is unpinned` };
    }
    case 'unpin':
      await unpinRevision(client, namespace, name);
      await requestReconcile(client, namespace, name);
      return { ok: true, message: `unpinned ${what}: it follows its ref again` };
  }
}

/** A request the dashboard cannot act on as sent (400). */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}
