import type { ActionResult, ObjectId, ViewRequest } from '../api-types.js';

const KEY = 'capstan-dashboard-token';

/**
 * The token: taken from the URL `capstan dashboard` printed, then kept for this tab only and removed
 * from the address bar, so it is not left in history or screenshots. Reads and event streams carry
 * the cookie the server set; actions send it as a header.
 */
export function takeToken(): string {
  const url = new URL(location.href);
  const given = url.searchParams.get('token');
  if (given) {
    sessionStorage.setItem(KEY, given);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(KEY) ?? '';
}

/** The query string of a view's stream. */
export function viewQuery(req: ViewRequest): string {
  const q = new URLSearchParams({ view: req.view });
  if (req.view === 'sync') {
    q.set('namespace', req.namespace);
    q.set('name', req.name);
  }
  if (req.view === 'object') for (const [k, v] of Object.entries(objectQuery(req.id))) q.set(k, v);
  return q.toString();
}

/** An object's identity as query parameters. */
export function objectQuery(id: ObjectId): Record<string, string> {
  return { apiVersion: id.apiVersion, kind: id.kind, ...(id.namespace ? { namespace: id.namespace } : {}), name: id.name };
}

/** Subscribes to a live view; `onView` gets each version, `onState` whether the stream is up. Returns the closer. */
export function subscribe<T>(req: ViewRequest, onView: (view: T) => void, onProblem: (message: string) => void, onState: (live: boolean) => void): () => void {
  const source = new EventSource(`/api/stream?${viewQuery(req)}`);
  source.addEventListener('view', (e) => onView(JSON.parse((e as MessageEvent<string>).data) as T));
  source.addEventListener('problem', (e) => onProblem((JSON.parse((e as MessageEvent<string>).data) as { message: string }).message));
  source.addEventListener('open', () => onState(true));
  source.addEventListener('error', () => onState(false));
  return () => source.close();
}

/** POSTs an action on a Sync. */
export async function act(token: string, namespace: string, name: string, action: string, body: object = {}): Promise<ActionResult> {
  const res = await fetch(`/api/syncs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Capstan-Token': token },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return JSON.parse(text) as ActionResult;
  } catch {
    return { ok: false, message: text.trim() || `HTTP ${res.status}` };
  }
}

/** Reads the server's settings. */
export async function info(): Promise<{ readOnly: boolean; server: string }> {
  const res = await fetch('/api/info');
  if (!res.ok) throw new Error((await res.text()).trim());
  return (await res.json()) as { readOnly: boolean; server: string };
}
