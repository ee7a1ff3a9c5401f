import type http from 'node:http';
import { tokenMatches } from './token.js';

/** The header an action POST carries its token in. */
export const TOKEN_HEADER = 'x-capstan-token';

/** The cookie the page's first load sets, so its assets, API reads and event stream carry the token; named by port, since cookies ignore ports. */
export function cookieName(port: number): string {
  return `capstan-dashboard-${port}`;
}

/** How a request presented the token, if at all. */
export type Presented = 'header' | 'cookie' | 'query' | undefined;

/**
 * Which way `req` presents a matching token: the `X-Capstan-Token` header, `Authorization: Bearer`,
 * the dashboard's cookie or a `token` query parameter; undefined when none matches.
 */
export function presentedToken(req: http.IncomingMessage, url: URL, token: string, port: number): Presented {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && tokenMatches(header, token)) return 'header';
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && tokenMatches(auth.slice(7), token)) return 'header';
  const cookie = readCookie(req.headers.cookie, cookieName(port));
  if (cookie !== undefined && tokenMatches(cookie, token)) return 'cookie';
  const query = url.searchParams.get('token');
  if (query !== null && tokenMatches(query, token)) return 'query';
  return undefined;
}

/**
 * Whether the Host header names this loopback server. Anything else is refused, so a web page whose
 * name an attacker points at 127.0.0.1 (DNS rebinding) cannot read the dashboard.
 */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
