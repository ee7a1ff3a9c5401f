/**
 * Evaluates the JSONPath subset CRD printer columns use (`.status.phase`, `.spec.items[0].name`,
 * `.status.conditions[?(@.type=="Ready")].status`) against `obj`, and formats the result as kubectl
 * does: a scalar as text, several matches joined by commas, nothing found as ''.
 */
export function evaluateColumn(obj: unknown, path: string): string {
  let values: unknown[] = [obj];
  for (const step of parseSteps(path)) {
    const next: unknown[] = [];
    for (const v of values) {
      if (v === null || typeof v !== 'object') continue;
      if (step.kind === 'field') {
        const f = (v as Record<string, unknown>)[step.name];
        if (f !== undefined) next.push(f);
      } else if (step.kind === 'index') {
        if (Array.isArray(v)) {
          const item = v[step.index < 0 ? v.length + step.index : step.index];
          if (item !== undefined) next.push(item);
        }
      } else if (step.kind === 'all') {
        if (Array.isArray(v)) next.push(...v);
      } else if (Array.isArray(v)) {
        for (const item of v) if (item && typeof item === 'object' && String((item as Record<string, unknown>)[step.field]) === step.value) next.push(item);
      }
    }
    values = next;
  }
  return values.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))).join(',');
}

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'filter'; field: string; value: string };

function parseSteps(path: string): Step[] {
  const steps: Step[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(-?\d+)\]|\[\*\]|\[\?\(@\.([A-Za-z0-9_-]+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([^)\]]*))\)\]/gy;
  const text = path.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    if (m[1] !== undefined) steps.push({ kind: 'field', name: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ kind: 'filter', field: m[3], value: m[4] ?? m[5] ?? m[6]?.trim() ?? '' });
    else steps.push({ kind: 'all' });
  }
  if (re.lastIndex !== text.length && text.length > 0) throw new Error(`printer column path "${path}" uses JSONPath the dashboard does not read`);
  return steps;
}
