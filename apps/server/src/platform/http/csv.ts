/**
 * CSV for spreadsheets: every cell quoted, and cells that a spreadsheet would
 * read as a formula (= + - @, tab, CR) prefixed with ' (security.md 17).
 */
export function toCsv(header: string[], rows: unknown[][]): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return `"${s.replace(/"/g, '""')}"`;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
