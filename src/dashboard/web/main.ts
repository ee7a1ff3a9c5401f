import type { ObjectDetail, SyncDetail, SyncSummary, ViewRequest } from '../api-types.js';
import { act, info, subscribe, takeToken } from './api.js';
import { h, swap } from './dom.js';
import { logsPanel } from './logs.js';
import { objectPage, syncPage, syncsPage, type PageContext } from './pages.js';
import { parseRoute, type Route } from './routes.js';
import './style.css';

const token = takeToken();
const main = document.getElementById('main')!;
const crumbs = document.getElementById('crumbs')!;
const live = document.getElementById('live')!;
const toast = document.getElementById('toast')!;
let close: (() => void) | undefined;
let logs: (HTMLElement & { stop?: () => void }) | undefined;
let logsFor = '';

const ctx: PageContext = {
  readOnly: true,
  act: (namespace, name, action, body) => {
    say(`${action}: sending…`);
    act(token, namespace, name, action, body).then((r) => say(r.message, !r.ok), (err: Error) => say(err.message, true));
  },
};

function say(message: string, bad = false): void {
  toast.textContent = message;
  toast.className = bad ? 'bad' : 'good';
}

function setCrumbs(route: Route): void {
  const items: HTMLElement[] = [h('a', { href: '#/' }, 'Syncs')];
  if (route.page === 'sync') items.push(h('span', { 'aria-current': 'page' }, `${route.namespace}/${route.name}`));
  if (route.page === 'object') items.push(h('span', { 'aria-current': 'page' }, `${route.id.kind} ${route.id.name}`));
  crumbs.replaceChildren(...items.flatMap((el, i) => (i ? [document.createTextNode(' › '), el] : [el])));
}

function show(): void {
  close?.();
  logs?.stop?.();
  const route = parseRoute(location.hash);
  setCrumbs(route);
  main.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
  const request: ViewRequest = route.page === 'syncs' ? { view: 'syncs' } : route.page === 'sync' ? { view: 'sync', namespace: route.namespace, name: route.name } : { view: 'object', id: route.id };
  document.title = route.page === 'syncs' ? 'Syncs · Capstan' : route.page === 'sync' ? `${route.name} · Capstan` : `${route.id.kind} ${route.id.name} · Capstan`;
  close = subscribe<unknown>(request, (view) => {
    if (route.page === 'syncs') swap(main, syncsPage(ctx, view as SyncSummary[]));
    else if (route.page === 'sync') {
      if (view === null) swap(main, [h('h1', {}, `No Sync ${route.namespace}/${route.name}`), h('p', {}, h('a', { href: '#/' }, 'Back to the Syncs'))]);
      else swap(main, syncPage(ctx, view as SyncDetail));
    } else {
      const d = view as ObjectDetail;
      const key = `${d.uid}`;
      if (d.containers.length && logsFor !== key) {
        logs = logsPanel(d);
        logsFor = key;
      }
      swap(main, objectPage(d, d.containers.length ? logs : undefined));
    }
    main.dataset['rendered'] = String(Date.now());
  }, (message) => {
    swap(main, [h('h1', {}, 'Cannot show this'), h('p', { class: 'problem' }, message), route.page === 'object' ? h('p', {}, h('a', { href: '#/' }, 'Back to the Syncs')) : '']);
  }, (up) => {
    live.textContent = up ? '● live' : '○ reconnecting…';
    live.className = up ? 'up' : 'down';
  });
}

info().then((i) => {
  ctx.readOnly = i.readOnly;
  if (i.readOnly) document.body.classList.add('read-only');
  document.querySelector('.brand')!.setAttribute('title', i.server);
  window.addEventListener('hashchange', show);
  show();
}, (err: Error) => {
  main.replaceChildren(h('h1', {}, 'Not allowed'), h('p', { class: 'problem' }, err.message));
});
