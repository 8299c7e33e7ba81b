export type CsvValue = string | number | boolean | null | undefined;

export interface CsvTable<R> {
  columns: Array<{ header: string; value: (row: R) => CsvValue }>;
  rows: R[];
}

/**
 * RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, quote or
 * line break. Text that a spreadsheet would run as a formula (starting with = + - @ or a tab) is
 * prefixed with an apostrophe, since customer names and categories come from outside.
 */
export function toCsv<R>(table: CsvTable<R>): string {
  const lines = [table.columns.map((c) => field(c.header))];
  for (const row of table.rows) lines.push(table.columns.map((c) => field(c.value(row))));
  return `${lines.map((l) => l.join(',')).join('\r\n')}\r\n`;
}

function field(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
