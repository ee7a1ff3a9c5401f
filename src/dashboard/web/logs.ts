import type { ObjectDetail } from '../api-types.js';
import { h } from './dom.js';

/** The logs panel of a pod: container, previous instance, follow; the text streams in as it is written. */
export function logsPanel(d: ObjectDetail): HTMLElement {
  const out = h('pre', { class: 'logs', tabindex: 0, 'aria-label': 'Log output', 'aria-live': 'off' });
  const container = h('select', { id: 'log-container' }, d.containers.map((c) => h('option', { value: c }, c)));
  const previous = h('input', { type: 'checkbox', id: 'log-previous' });
  const follow = h('input', { type: 'checkbox', id: 'log-follow', checked: true });
  let abort: AbortController | undefined;
  const load = async (): Promise<void> => {
    abort?.abort();
    abort = new AbortController();
    out.textContent = '';
    const q = new URLSearchParams({ namespace: d.object.namespace ?? '', pod: d.object.name, container: container.value, previous: String(previous.checked), follow: String(follow.checked && !previous.checked) });
    try {
      const res = await fetch(`/api/logs?${q}`, { signal: abort.signal });
      if (!res.ok || !res.body) {
        out.textContent = (await res.text()).trim();
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        out.textContent += value;
        // Bounded in the page too: keep the last 200 000 characters.
        if ((out.textContent?.length ?? 0) > 200_000) out.textContent = out.textContent!.slice(-150_000);
        out.scrollTop = out.scrollHeight;
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') out.textContent += `\n[${(err as Error).message}]`;
    }
  };
  const panel = h('section', { 'aria-labelledby': 'logs-h', class: 'logs-panel' },
    h('h2', { id: 'logs-h' }, 'Logs'),
    h('div', { class: 'log-controls' },
      h('label', { for: 'log-container' }, 'Container '), container,
      h('label', {}, previous, ' previous instance'),
      h('label', {}, follow, ' follow'),
      h('button', { type: 'button', id: 'log-load', onclick: () => void load() }, 'Show logs'),
      h('button', { type: 'button', onclick: () => abort?.abort() }, 'Stop')),
    out);
  (panel as HTMLElement & { stop?: () => void }).stop = () => abort?.abort();
  return panel;
}
