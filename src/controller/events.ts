import { randomBytes } from 'node:crypto';
import type { KubeClient, KubeObject } from '../k8s/index.js';
import { microTime } from './conditions.js';
import { Kinds, refOf } from './kinds.js';
import type { Logger } from './logger.js';

/** `Normal` for what went as planned, `Warning` for what needs attention. */
export type EventType = 'Normal' | 'Warning';

/** What to record about an object. */
export interface EventInput {
  type?: EventType;
  /** Why, in UpperCamelCase, e.g. `Mirrored`, `SourceMissing`. */
  reason: string;
  /** What the controller did or failed to do, e.g. `Apply`, `Delete`, `Reconcile`. */
  action: string;
  /** Human-readable detail, at most 1 kB. */
  note?: string;
}

const SERIES_WINDOW_MS = 6 * 60_000;

/**
 * Records Events (events.k8s.io/v1) about objects, as `reportingController`. The same event
 * repeated within six minutes updates the first one's `series` (count and last time) instead of
 * creating another object, as kubectl and client-go's recorder do. Recording never throws: a failed
 * write is logged, because an event must not fail a reconcile.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { namespace: string; name: string; count: number; at: number }>();

  constructor(
    private readonly client: KubeClient,
    /** e.g. `capstan.dev/mirror-operator`. */
    readonly reportingController: string,
    /** e.g. the pod name. */
    readonly reportingInstance: string,
    private readonly logger?: Logger,
  ) {}

  /** Records `input` about `regarding`; resolves once written (or once the failure is logged). */
  async record(regarding: KubeObject, input: EventInput): Promise<void> {
    const type = input.type ?? 'Normal';
    const namespace = regarding.metadata.namespace ?? 'default';
    const note = (input.note ?? '').slice(0, 1024);
    const key = [regarding.metadata.uid, type, input.reason, input.action, note].join('\u0000');
    const now = new Date();
    const ref = { group: 'events.k8s.io', version: 'v1', resource: 'events', namespace };
    try {
      const prior = this.recent.get(key);
      if (prior && now.getTime() - prior.at < SERIES_WINDOW_MS) {
        prior.count++;
        prior.at = now.getTime();
        await this.client.patch({ ...ref, name: prior.name }, 'merge', { series: { count: prior.count, lastObservedTime: microTime(now) } });
        return;
      }
      const name = `${regarding.metadata.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
      await this.client.create(refOf(Kinds.Event, namespace), {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: microTime(now),
        reportingController: this.reportingController,
        reportingInstance: this.reportingInstance.slice(0, 128),
        action: input.action,
        reason: input.reason,
        note,
        type,
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata.name,
          namespace: regarding.metadata.namespace,
          uid: regarding.metadata.uid,
          resourceVersion: regarding.metadata.resourceVersion,
        },
      });
      this.recent.set(key, { namespace, name, count: 1, at: now.getTime() });
      if (this.recent.size > 4096) this.prune(now.getTime());
    } catch (err) {
      this.logger?.error('could not record event', { reason: input.reason, object: regarding.metadata.name, error: String(err) });
    }
  }

  private prune(now: number): void {
    for (const [k, v] of this.recent) if (now - v.at >= SERIES_WINDOW_MS) this.recent.delete(k);
  }
}
