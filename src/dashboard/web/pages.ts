import type { ObjectDetail, SyncDetail, SyncSummary } from '../api-types.js';
import { ago, h, table, type Child } from './dom.js';
import { treeGraph } from './graph.js';
import { HEALTH_ORDER, healthBadge, readyBadge } from './health.js';
import { objectHref, syncHref } from './routes.js';

/** What pages need from the app: the read-only flag and a way to run an action. */
export interface PageContext {
  readOnly: boolean;
  act(namespace: string, name: string, action: string, body?: object): void;
}

const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 12) : '–');

function actionButton(ctx: PageContext, s: SyncSummary, action: string, label: string, extra: object = {}, confirmText?: string): HTMLElement {
  return h('button', {
    type: 'button', class: `act act-${action}`, 'data-key': `act:${s.namespace}/${s.name}:${action}:${JSON.stringify(extra)}`,
    disabled: ctx.readOnly, title: ctx.readOnly ? 'the dashboard is read-only' : undefined,
    'aria-label': `${label} Sync ${s.namespace}/${s.name}`,
    onclick: () => {
      if (confirmText && !window.confirm(confirmText)) return;
      ctx.act(s.namespace, s.name, action, extra);
    },
  }, label);
}

function counts(s: SyncSummary): Child {
  const parts = HEALTH_ORDER.filter((k) => s.counts[k]).map((k) => h('li', {}, healthBadge(k, false), ` ${s.counts[k]}`));
  return parts.length ? h('ul', { class: 'counts', 'aria-label': `${s.objects} objects by health` }, parts) : h('span', { class: 'muted' }, 'no objects');
}

function revision(s: SyncSummary): Child {
  return h('span', { class: 'rev' }, h('code', { title: s.revision ?? undefined }, short(s.revision)), s.subject ? ` ${s.subject}` : '', s.pinned ? h('span', { class: 'pin' }, ` (pinned to ${short(s.pinned)})`) : '');
}

function ready(s: SyncSummary): Child {
  return h('div', { class: 'ready' }, readyBadge(s.ready?.status, s.ready?.reason), s.stalled?.status === 'True' ? h('span', { class: 'badge h-Failed' }, h('span', { 'aria-hidden': 'true' }, '⚠'), ` Stalled: ${s.stalled.reason ?? ''}`) : '',
    s.suspended ? h('span', { class: 'badge h-Unknown' }, h('span', { 'aria-hidden': 'true' }, '⏸'), ' Suspended') : '',
    s.ready?.message ? h('p', { class: 'msg' }, s.ready.message) : '');
}

/** The Syncs page. */
export function syncsPage(ctx: PageContext, syncs: SyncSummary[]): Child[] {
  return [
    h('h1', {}, 'Syncs'),
    table('Every Sync the agent keeps applied', ['Sync', 'Source', 'Applied revision', 'Status', 'Last applied', 'Objects', 'Actions'], syncs.map((s) => [
      h('a', { href: syncHref(s.namespace, s.name), 'data-key': `sync:${s.namespace}/${s.name}`, class: 'sync-link' }, `${s.namespace}/${s.name}`),
      h('div', {}, h('div', { class: 'url' }, s.url), h('div', { class: 'muted' }, s.ref)),
      revision(s),
      ready(s),
      ago(s.lastAppliedTime),
      counts(s),
      h('div', { class: 'actions' }, actionButton(ctx, s, 'reconcile', 'Reconcile'), s.suspended ? actionButton(ctx, s, 'resume', 'Resume') : actionButton(ctx, s, 'suspend', 'Suspend')),
    ]), 'No Syncs yet: install the agent with `capstan bootstrap`.'),
  ];
}

let drawn: { key: string; graph: HTMLElement } | undefined;

/** The tree's graph, drawn again only when the tree changed: most updates of a Sync leave it as it is, and a large one is costly to lay out. */
function cachedGraph(tree: SyncDetail['tree']): HTMLElement {
  const key = JSON.stringify(tree);
  if (drawn?.key !== key) drawn = { key, graph: treeGraph(tree) };
  return drawn.graph;
}

/** The One Sync page. */
export function syncPage(ctx: PageContext, d: SyncDetail): Child[] {
  const s = d.sync;
  return [
    h('h1', {}, `Sync ${s.namespace}/${s.name}`),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Source'), h('dd', {}, `${s.url} · ${s.ref}`),
      h('dt', {}, 'Applied'), h('dd', { id: 'applied-revision' }, revision(s), ` · ${ago(s.lastAppliedTime)}`),
      h('dt', {}, 'Attempted'), h('dd', {}, h('code', {}, short(s.attempted))),
      h('dt', {}, 'Status'), h('dd', {}, ready(s)),
      h('dt', {}, 'Objects'), h('dd', {}, counts(s))),
    h('div', { class: 'actions' },
      actionButton(ctx, s, 'reconcile', 'Reconcile now'),
      s.suspended ? actionButton(ctx, s, 'resume', 'Resume') : actionButton(ctx, s, 'suspend', 'Suspend'),
      s.pinned ? actionButton(ctx, s, 'unpin', 'Unpin') : ''),
    h('section', { 'aria-labelledby': 'tree-h' }, h('h2', { id: 'tree-h' }, 'Resource tree'),
      d.tree.length ? cachedGraph(d.tree) : h('p', { class: 'muted' }, 'Nothing applied yet.'),
      d.truncated ? h('p', { class: 'muted' }, `${d.truncated} more objects are not drawn.`) : ''),
    table('Conditions', ['Type', 'Status', 'Reason', 'Message', 'Since'], d.conditions.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '', ago(c.lastTransitionTime)])),
    table('History (newest first)', ['Revision', 'Subject', 'Applied', 'Created', 'Configured', 'Deleted', ''], d.history.map((e, i) => [
      h('code', { title: e.revision }, short(e.revision)), e.subject ?? '', ago(e.time), e.created, e.configured, e.deleted,
      i === 0 && !s.pinned ? h('span', { class: 'muted' }, 'current') : actionButton(ctx, s, 'rollback', `Roll back to ${short(e.revision)}`, { revision: e.revision }, `Pin Sync ${s.namespace}/${s.name} to ${short(e.revision)} (${e.subject ?? ''})? Later pushes wait until it is unpinned.`),
    ])),
    eventsTable(d.events),
  ];
}

function eventsTable(events: SyncDetail['events']): HTMLElement {
  return table('Events', ['Type', 'Reason', 'Object', 'Message', 'Count', 'Last seen'], events.map((e) => [
    e.type === 'Warning' ? h('span', { class: 'badge h-Failed' }, h('span', { 'aria-hidden': 'true' }, '⚠'), ' Warning') : 'Normal',
    e.reason, e.object, e.message, e.count, ago(e.time),
  ]));
}

/** The One object page; `logs` is the panel kept across re-renders, for pods. */
export function objectPage(d: ObjectDetail, logs: HTMLElement | undefined): Child[] {
  const o = d.object;
  return [
    h('h1', {}, `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`),
    h('p', { class: 'health-line' }, healthBadge(d.health, false), ' ', h('span', { id: 'health-message' }, d.health.message)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'API version'), h('dd', {}, o.apiVersion),
      d.sync ? [h('dt', {}, 'Applied by'), h('dd', {}, h('a', { href: syncHref(d.sync.namespace, d.sync.name) }, `Sync ${d.sync.namespace}/${d.sync.name}`))] : '',
      d.owners.length ? [h('dt', {}, 'Owned by'), h('dd', {}, d.owners.map((w, i) => [i ? ', ' : '', h('a', { href: objectHref(w) }, `${w.kind} ${w.name}`)]))] : ''),
    table('Conditions', ['Type', 'Status', 'Reason', 'Message', 'Since'], d.conditions.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '', ago(c.lastTransitionTime)])),
    d.tables.map((t) => table(t.title, t.columns, t.rows.map((r) => r.map((cell, i) => (t.types?.[i] === 'date' && cell ? ago(cell) : cell))))),
    eventsTable(d.events),
    logs ?? '',
    h('section', { 'aria-labelledby': 'diff-h' }, h('h2', { id: 'diff-h' }, 'Diff against the applied revision'),
      d.diff !== null ? h('pre', { class: 'diff' }, d.diff || 'no differences') : h('p', { class: 'muted' }, d.diffNote ?? 'not available')),
    h('section', { 'aria-labelledby': 'yaml-h' }, h('h2', { id: 'yaml-h' }, 'Live object'),
      h('details', { 'data-key': 'managed-fields' }, h('summary', {}, `managedFields (${d.managedFields.length} entries, folded)`),
        table('Field managers', ['Manager', 'Operation', 'Subresource', 'Time'], d.managedFields.map((m) => [m.manager, m.operation, m.subresource ?? '', ago(m.time)]))),
      h('pre', { class: 'yaml', tabindex: 0, 'aria-label': 'Live YAML' }, d.yaml)),
  ];
}

