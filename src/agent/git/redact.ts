/**
 * Removes credentials from text that may reach a log, an Event, a status or an error: the user
 * information of URLs (`https://user:token@host` → `https://***@host`) and every secret value
 * given, however it appears.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  for (const secret of secrets) {
    if (secret.length < 4) continue; // too short to tell from ordinary text; such secrets are refused elsewhere
    out = out.split(secret).join('***');
  }
  return out;
}
