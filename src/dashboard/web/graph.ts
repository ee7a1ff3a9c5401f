import type { TreeNode } from '../api-types.js';
import { h } from './dom.js';
import { healthBadge } from './health.js';
import { objectHref } from './routes.js';

const W = 230;
const H = 54;
const GAP_X = 60;
const GAP_Y = 12;
const SVG = 'http://www.w3.org/2000/svg';

/** Where each node sits: its column is its depth, its row follows a depth-first walk, a parent level with its first child. */
export function layout(nodes: TreeNode[]): Map<string, { x: number; y: number; depth: number }> {
  const children = new Map<string | undefined, TreeNode[]>();
  for (const n of nodes) children.set(n.parent, [...(children.get(n.parent) ?? []), n]);
  const out = new Map<string, { x: number; y: number; depth: number }>();
  let row = 0;
  const place = (n: TreeNode, depth: number): number => {
    const kids = children.get(n.id) ?? [];
    let myRow = row;
    if (!kids.length) row++;
    else kids.forEach((k, i) => { const r = place(k, depth + 1); if (i === 0) myRow = r; });
    out.set(n.id, { x: depth * (W + GAP_X), y: myRow * (H + GAP_Y), depth });
    return myRow;
  };
  for (const root of children.get(undefined) ?? []) place(root, 0);
  return out;
}

/**
 * The resource tree as a graph: a box per object (a link to it, keyboard-focusable, with its health
 * as icon, word and colour) and a curve from each owner to what it owns. The tree is one Tab stop
 * (a roving tabindex, as the ARIA tree pattern has it, so a tree of 1000 objects is not 1000 Tab
 * presses); arrow keys move between boxes: up and down through the list, right to the first child,
 * left to the owner, Home and End to the ends; Enter opens one.
 */
export function treeGraph(nodes: TreeNode[]): HTMLElement {
  const pos = layout(nodes);
  let width = 0;
  let height = 0;
  for (const p of pos.values()) {
    width = Math.max(width, p.x + W);
    height = Math.max(height, p.y + H);
  }
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('edges');
  for (const n of nodes) {
    const a = n.parent ? pos.get(n.parent) : undefined;
    const b = pos.get(n.id);
    if (!a || !b) continue;
    const path = document.createElementNS(SVG, 'path');
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x;
    const y2 = b.y + H / 2;
    path.setAttribute('d', `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`);
    path.classList.add(`e-${n.health.status}`);
    svg.appendChild(path);
  }
  const list = h('ul', { class: 'nodes', role: 'tree', 'aria-label': 'Resource tree' });
  for (const n of nodes) {
    const p = pos.get(n.id)!;
    const link = h('a', {
      href: objectHref(n), class: `node h-${n.health.status}${n.inventory ? ' inv' : ''}`, 'data-key': `node:${n.id}`, 'data-id': n.id, 'data-parent': n.parent,
      role: 'treeitem', 'aria-level': p.depth + 1, tabindex: list.childElementCount === 0 ? 0 : -1,
      'aria-label': `${n.kind} ${n.name}: ${n.health.status}${n.health.message ? `, ${n.health.message}` : ''}`,
      title: n.health.message,
      onkeydown: (ev) => move(ev as KeyboardEvent, list),
    }, h('span', { class: 'kind' }, n.kind), h('span', { class: 'name' }, n.name), healthBadge(n.health, false));
    link.style.left = `${p.x}px`;
    link.style.top = `${p.y}px`;
    list.appendChild(h('li', { role: 'none' }, link));
  }
  const box = h('div', { class: 'graph' }, svg, list);
  box.style.width = `${width}px`;
  box.style.height = `${height}px`;
  return h('div', { class: 'graph-scroll' }, box);
}

function move(ev: KeyboardEvent, list: HTMLElement): void {
  const links = [...list.querySelectorAll<HTMLAnchorElement>('a.node')];
  const here = ev.currentTarget as HTMLAnchorElement;
  const i = links.indexOf(here);
  let next: HTMLAnchorElement | undefined;
  if (ev.key === 'ArrowDown') next = links[i + 1];
  else if (ev.key === 'ArrowUp') next = links[i - 1];
  else if (ev.key === 'ArrowRight') next = links.find((l) => l.dataset['parent'] === here.dataset['id']);
  else if (ev.key === 'ArrowLeft') next = links.find((l) => l.dataset['id'] === here.dataset['parent']);
  else if (ev.key === 'Home') next = links[0];
  else if (ev.key === 'End') next = links[links.length - 1];
  if (!next) return;
  ev.preventDefault();
  here.tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
}
