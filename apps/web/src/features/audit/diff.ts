/**
 * The before/after of an audit event as rows of fields, so a technician reads
 * "name: Acme → Acme Ltd" instead of two JSON blobs. Everything stays text.
 */

export type DiffKind = 'added' | 'removed' | 'changed' | 'same';

export interface DiffRow {
  /** Dotted path of the field ("settings.branding.logo"), or "value" for a bare value. */
  path: string;
  kind: DiffKind;
  before: string | null;
  after: string | null;
  /** For lists of plain values: the items that came and went. */
  listAdded?: string[];
  listRemoved?: string[];
}

const MAX_DEPTH = 4;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>, depth: number): void {
  if (isPlainObject(value) && depth < MAX_DEPTH && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out, depth + 1);
    return;
  }
  out.set(prefix || 'value', value);
}

/** A value as one line of text: strings as they are, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isPrimitiveList(value: unknown): value is (string | number | boolean | null)[] {
  return Array.isArray(value) && value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
}

function same(a: unknown, b: unknown): boolean {
  return formatValue(a) === formatValue(b) && typeof a === typeof b;
}

/** Field-by-field rows; `before`/`after` of null mean "did not exist" (a create or a delete). */
export function diffValues(before: unknown, after: unknown): DiffRow[] {
  const b = new Map<string, unknown>();
  const a = new Map<string, unknown>();
  if (before !== null && before !== undefined) flatten(before, '', b, 0);
  if (after !== null && after !== undefined) flatten(after, '', a, 0);

  const paths = [...a.keys()];
  for (const path of b.keys()) if (!a.has(path)) paths.push(path);

  return paths.map((path): DiffRow => {
    const inBefore = b.has(path);
    const inAfter = a.has(path);
    const bv = b.get(path);
    const av = a.get(path);
    if (!inBefore) return { path, kind: 'added', before: null, after: formatValue(av) };
    if (!inAfter) return { path, kind: 'removed', before: formatValue(bv), after: null };
    if (same(bv, av)) return { path, kind: 'same', before: formatValue(bv), after: formatValue(av) };
    const row: DiffRow = { path, kind: 'changed', before: formatValue(bv), after: formatValue(av) };
    if (isPrimitiveList(bv) && isPrimitiveList(av)) {
      const bs = new Set(bv.map(formatValue));
      const as = new Set(av.map(formatValue));
      row.listAdded = [...as].filter((x) => !bs.has(x));
      row.listRemoved = [...bs].filter((x) => !as.has(x));
    }
    return row;
  });
}

/** Pretty JSON for the raw view. */
export function prettyJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}
