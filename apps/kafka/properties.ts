/** A `.properties` file's text in key order, escaping backslashes and newlines. */
export function renderKafkaProperties(props: Readonly<Record<string, string>>): string {
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return Object.keys(props).sort().map((k) => `${escape(k)}=${escape(props[k]!)}`).join('\n') + '\n';
}
