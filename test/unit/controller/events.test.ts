import { describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../src/controller/index.js';
import type { KubeClient, KubeObject } from '../../../src/k8s/index.js';

const regarding: KubeObject = { apiVersion: 'example.dev/v1', kind: 'Widget', metadata: { name: 'w', uid: 'u1', resourceVersion: '5' } };

describe('EventRecorder', () => {
  it('creates an events.k8s.io/v1 Event, then counts repeats in its series, and never throws', async () => {
    const calls: { verb: string; ref: { namespace?: string; name?: string }; body: Record<string, unknown> }[] = [];
    let fail = false;
    const client = {
      create: async (ref: { namespace?: string }, body: Record<string, unknown>) => {
        if (fail) throw new Error('forbidden');
        calls.push({ verb: 'create', ref, body });
        return body;
      },
      patch: async (ref: { namespace?: string; name?: string }, _type: string, body: Record<string, unknown>) => {
        calls.push({ verb: 'patch', ref, body });
        return body;
      },
    } as unknown as KubeClient;
    const rec = new EventRecorder(client, 'capstan.dev/widgets', 'pod-1');
    await rec.record(regarding, { reason: 'Scaled', action: 'Scale', note: 'to 3' });
    await rec.record(regarding, { reason: 'Scaled', action: 'Scale', note: 'to 3' });
    await rec.record(regarding, { reason: 'Scaled', action: 'Scale', note: 'to 3' });
    expect(calls.map((c) => c.verb)).toEqual(['create', 'patch', 'patch']);
    const created = calls[0]!.body;
    expect(created).toMatchObject({
      apiVersion: 'events.k8s.io/v1', kind: 'Event', type: 'Normal', reason: 'Scaled', action: 'Scale', note: 'to 3',
      reportingController: 'capstan.dev/widgets', reportingInstance: 'pod-1',
      regarding: { apiVersion: 'example.dev/v1', kind: 'Widget', name: 'w', uid: 'u1' },
    });
    expect(calls[0]!.ref.namespace).toBe('default'); // cluster-scoped objects' events go to default
    expect(created.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(calls[2]!.ref.name).toBe((created.metadata as { name: string }).name);
    expect((calls[2]!.body.series as { count: number }).count).toBe(3);
    fail = true;
    await expect(rec.record(regarding, { type: 'Warning', reason: 'Other', action: 'X' })).resolves.toBeUndefined();
  });
});
