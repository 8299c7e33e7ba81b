/**
 * The rows of a raw query. typeorm's `query()` answers UPDATE and DELETE with
 * `[rows, rowCount]` and every other command with the rows, so `UPDATE … RETURNING` needs this.
 */
export function queryRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
