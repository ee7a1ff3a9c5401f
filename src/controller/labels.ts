/** One requirement of a label selector. */
export interface LabelRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A label selector as Kubernetes objects spell it. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/**
 * Parses a label selector string (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) or object into
 * requirements; every requirement must hold for an object to match. An empty selector matches all.
 */
export function parseSelector(selector: string | LabelSelectorObject | undefined): LabelRequirement[] {
  if (selector === undefined) return [];
  if (typeof selector !== 'string') {
    const reqs: LabelRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] }));
    for (const e of selector.matchExpressions ?? []) reqs.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
    return reqs;
  }
  const reqs: LabelRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const term = part.trim();
    if (!term) continue;
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      reqs.push({ key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = term.match(/^([^\s!=]+)\s*(==|=|!=)\s*([^\s,]*)$/))) {
      reqs.push({ key: m[1]!, operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3]!] });
    } else if ((m = term.match(/^!\s*([^\s!=]+)$/))) {
      reqs.push({ key: m[1]!, operator: 'DoesNotExist', values: [] });
    } else if ((m = term.match(/^([^\s!=()]+)$/))) {
      reqs.push({ key: m[1]!, operator: 'Exists', values: [] });
    } else {
      throw new Error(`label selector "${selector}": cannot parse "${term}"; write key=value, key!=value, key in (a,b), key notin (a,b), key or !key`);
    }
  }
  return reqs;
}

/** Whether `labels` satisfy every requirement. */
export function matchesSelector(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  for (const r of requirements) {
    const value = labels?.[r.key];
    switch (r.operator) {
      case 'In': if (value === undefined || !r.values.includes(value)) return false; break;
      case 'NotIn': if (value !== undefined && r.values.includes(value)) return false; break;
      case 'Exists': if (value === undefined) return false; break;
      case 'DoesNotExist': if (value !== undefined) return false; break;
    }
  }
  return true;
}

/** The selector written as the API server's `labelSelector` query parameter expects. */
export function formatSelector(requirements: readonly LabelRequirement[]): string {
  return requirements.map((r) => {
    switch (r.operator) {
      case 'In': return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
      case 'NotIn': return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(',')})`;
      case 'Exists': return r.key;
      case 'DoesNotExist': return `!${r.key}`;
    }
  }).join(',');
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}
