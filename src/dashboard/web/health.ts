import type { HealthState, HealthView } from '../api-types.js';
import { h } from './dom.js';

/** An icon beside the word for each health, so colour is never the only cue. */
const ICONS: Record<HealthState, string> = { Current: '✔', InProgress: '◔', Failed: '✖', Terminating: '⌫', NotFound: '∅', Unknown: '?' };
const WORDS: Record<HealthState, string> = { Current: 'Healthy', InProgress: 'Progressing', Failed: 'Failed', Terminating: 'Terminating', NotFound: 'Missing', Unknown: 'Unknown' };

/** A health badge: icon, word and colour, with the reason as its tooltip. */
export function healthBadge(health: HealthView | HealthState, withTitle = true): HTMLElement {
  const status = typeof health === 'string' ? health : health.status;
  const message = typeof health === 'string' ? undefined : health.message;
  return h('span', { class: `badge h-${status}`, title: withTitle ? message : undefined },
    h('span', { 'aria-hidden': 'true' }, ICONS[status]), ` ${WORDS[status]}`);
}

/** A Ready condition as a badge: Ready, Not ready (reason) or Unknown. */
export function readyBadge(status: string | undefined, reason?: string): HTMLElement {
  if (status === 'True') return h('span', { class: 'badge h-Current' }, h('span', { 'aria-hidden': 'true' }, ICONS.Current), ' Ready');
  if (status === 'False') return h('span', { class: 'badge h-Failed' }, h('span', { 'aria-hidden': 'true' }, ICONS.Failed), ` Not ready${reason ? `: ${reason}` : ''}`);
  return h('span', { class: 'badge h-Unknown' }, h('span', { 'aria-hidden': 'true' }, ICONS.Unknown), ` Unknown${reason ? `: ${reason}` : ''}`);
}

/** The order health counts are listed in: worst first. */
export const HEALTH_ORDER: HealthState[] = ['Failed', 'InProgress', 'Terminating', 'NotFound', 'Unknown', 'Current'];
