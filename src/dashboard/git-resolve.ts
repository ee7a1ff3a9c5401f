/**
 * Git's environment with `http.curloptResolve` added when the URL's host has an alias: the local
 * cluster's pods reach its git server as host.capstan.internal, a name only their hosts files hold.
 * Added after the credentials' own GIT_CONFIG entries.
 */
export function withResolve(env: Record<string, string>, url: string, aliases: Readonly<Record<string, string>>): Record<string, string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return env; // user@host:path (SSH): no alias applies
  }
  const address = aliases[parsed.hostname];
  if (!address || !parsed.protocol.startsWith('http')) return env;
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  const n = Number(env['GIT_CONFIG_COUNT'] ?? 0);
  return { ...env, GIT_CONFIG_COUNT: String(n + 1), [`GIT_CONFIG_KEY_${n}`]: 'http.curloptResolve', [`GIT_CONFIG_VALUE_${n}`]: `${parsed.hostname}:${port}:${address}` };
}
