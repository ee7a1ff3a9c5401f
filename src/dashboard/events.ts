import type { EventView } from './api-types.js';
import type { SlimEvent } from './slim.js';

/** An Event as the views list it. */
export function eventView(e: SlimEvent): EventView {
  return {
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    count: e.count ?? 1,
    time: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? null,
    object: `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}`,
    source: e.source?.component ?? '',
  };
}
