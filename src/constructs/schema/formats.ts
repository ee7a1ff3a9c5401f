import { FormatRegistry } from '@sinclair/typebox';

/**
 * The string formats Kubernetes schemas use, taught to TypeBox's checker (it knows none by itself,
 * and rejects every value of an unknown format). The API server checks these too; ours only need
 * to accept what it writes.
 */
const formats: Record<string, (value: string) => boolean> = {
  // RFC 3339, as the API server writes metav1.Time (and MicroTime).
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
};

for (const [name, check] of Object.entries(formats)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
}
