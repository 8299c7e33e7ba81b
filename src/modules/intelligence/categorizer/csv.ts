import type { LabelledText } from './text-classifier';

/**
 * A small RFC 4180 CSV reader: comma-separated fields, fields optionally in double quotes,
 * quotes inside quoted fields doubled (`""`), commas and line breaks allowed inside quotes,
 * LF or CRLF line endings, an optional UTF-8 byte-order mark. Malformed input (a quote in the
 * middle of an unquoted field, text after a closing quote, an unterminated quote) is rejected
 * with the line number rather than guessed at.
 */
export class CsvParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`CSV line ${line}: ${message}`);
    this.name = 'CsvParseError';
  }
}

export function parseCsv(input: string): string[][] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let line = 1;
  let i = 0;
  let quotedFieldClosed = false;
  const endField = (): void => {
    row.push(field);
    field = '';
    quotedFieldClosed = false;
  };
  const endRow = (): void => {
    endField();
    rows.push(row);
    row = [];
  };

  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      if (field.length > 0 || quotedFieldClosed)
        throw new CsvParseError('unexpected quote inside a field', line);
      const startLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvParseError('unterminated quoted field', startLine);
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      quotedFieldClosed = true;
      continue;
    }
    if (ch === ',') {
      endField();
      i++;
      continue;
    }
    if (ch === '\r' && text[i + 1] === '\n') {
      endRow();
      line++;
      i += 2;
      continue;
    }
    if (ch === '\n') {
      endRow();
      line++;
      i++;
      continue;
    }
    if (quotedFieldClosed) throw new CsvParseError('unexpected text after a closing quote', line);
    field += ch;
    i++;
  }
  // The last row, unless the input ended with a line break.
  if (field.length > 0 || quotedFieldClosed || row.length > 0) endRow();
  return rows;
}

/**
 * Reads labelled texts from CSV with a header row, taking the text and label from the named
 * columns (by default `text` and `category`). Rows with an empty text or label are skipped.
 */
export function parseLabelledCsv(
  input: string,
  columns: { text: string; label: string } = { text: 'text', label: 'category' },
): LabelledText[] {
  const [header, ...rows] = parseCsv(input);
  if (!header) throw new CsvParseError('no header row', 1);
  const names = header.map((h) => h.trim().toLowerCase());
  const textAt = names.indexOf(columns.text.toLowerCase());
  const labelAt = names.indexOf(columns.label.toLowerCase());
  if (textAt < 0 || labelAt < 0) {
    throw new CsvParseError(
      `the header must name the columns "${columns.text}" and "${columns.label}" (found: ${header.join(', ')})`,
      1,
    );
  }
  const out: LabelledText[] = [];
  for (const row of rows) {
    const text = (row[textAt] ?? '').trim();
    const label = (row[labelAt] ?? '').trim();
    if (text && label) out.push({ text, label });
  }
  return out;
}
