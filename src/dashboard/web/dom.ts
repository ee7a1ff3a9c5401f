/** Attributes of {@link h}: `on*` functions become listeners, `false`/`undefined` are left out. */
export type Attrs = Record<string, string | number | boolean | undefined | ((ev: Event) => void)>;
/** What {@link h} takes as children. */
export type Child = Node | string | number | null | undefined | false | Child[];

/** Makes an element; strings become text nodes, so nothing from the cluster is ever parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/**
 * Replaces the content of `root` with `next`, keeping what a re-render would otherwise lose: the
 * focused control and the open `<details>`, matched by their `data-key`.
 */
export function swap(root: HTMLElement, next: Child[]): void {
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.['key'];
  const open = new Set([...root.querySelectorAll<HTMLDetailsElement>('details[data-key]')].filter((d) => d.open).map((d) => d.dataset['key']));
  const closed = new Set([...root.querySelectorAll<HTMLDetailsElement>('details[data-key]')].filter((d) => !d.open).map((d) => d.dataset['key']));
  root.replaceChildren();
  append(root, next);
  for (const d of root.querySelectorAll<HTMLDetailsElement>('details[data-key]')) {
    if (open.has(d.dataset['key'])) d.open = true;
    if (closed.has(d.dataset['key'])) d.open = false;
  }
  if (focused) root.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}

/** `5s ago`, `3m ago`, `2h ago`, `4d ago`. */
export function ago(time: string | null | undefined): string {
  if (!time) return '–';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

/** A table with a caption and header cells scoped to their columns. */
export function table(caption: string, columns: string[], rows: Child[][], empty = 'none'): HTMLElement {
  if (!rows.length) return h('section', { class: 'empty-table' }, h('h3', {}, caption), h('p', { class: 'muted' }, empty));
  return h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((cell) => h('td', {}, cell))))));
}
