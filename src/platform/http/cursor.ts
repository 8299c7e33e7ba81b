import { ValidationError } from '../errors/app-error';

export type CursorValue = string | number;
export type CursorShape = 'int' | 'number' | 'timestamp' | 'uuid' | 'string' | 'timestampOrInfinity';

const checks: Record<CursorShape, (v: unknown) => boolean> = {
  int: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  timestamp: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v),
  uuid: (v) =>
    typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  string: (v) => typeof v === 'string' && v.length <= 500,
  /** A nullable sort key kept last by sorting it as +infinity (e.g. tickets with no SLA clock). */
  timestampOrInfinity: (v) => v === 'infinity' || checks.timestamp(v),
};

/**
 * Opaque keyset cursors: the sort key values of the last row, base64url-encoded JSON, tagged
 * with the ordering they belong to so a cursor from one ordering is refused by another.
 */
export function encodeCursor(sort: string, values: CursorValue[]): string {
  return Buffer.from(JSON.stringify([sort, ...values])).toString('base64url');
}

/** Decodes and shape-checks a cursor: a forged one is a 400, never a SQL error. */
export function decodeCursor(cursor: string, sort: string, shapes: CursorShape[]): CursorValue[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed[0] === sort &&
      parsed.length === shapes.length + 1 &&
      shapes.every((shape, i) => checks[shape](parsed[i + 1]))
    ) {
      return parsed.slice(1) as CursorValue[];
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    'Invalid cursor',
    [{ field: 'query.cursor', message: 'is not a cursor from this list' }],
    'invalid_cursor',
  );
}

/** Splits a fetched page of limit+1 rows into the page and the cursor of its last row. */
export function pageOf<T>(
  rows: T[],
  limit: number,
  sort: string,
  key: (row: T) => CursorValue[],
): { data: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return { data, nextCursor: more && last !== undefined ? encodeCursor(sort, key(last)) : null };
}
