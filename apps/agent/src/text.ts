// Vendors fill DMI fields with placeholders; a technician should see "unknown", not "To be filled by O.E.M.".
const PLACEHOLDERS =
  /^(-|0|none|n\/a|unknown|not specified|not applicable|default string|to be filled by o\.e\.m\.|system (product name|serial number|manufacturer)|0{8}-0{4}-0{4}-0{4}-0{12})$/i;

/** A trimmed string within the protocol's bound, or null when empty or a placeholder. */
export function clean(value: unknown, max = 255): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (!text || PLACEHOLDERS.test(text)) return null;
  return text.slice(0, max);
}

/** A required string: never empty. */
export function text(value: unknown, fallback: string, max = 255): string {
  return clean(value, max) ?? fallback;
}

/** A finite non-negative number or null. */
export function amount(value: unknown): number | null {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}
