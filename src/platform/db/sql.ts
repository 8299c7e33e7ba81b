import type { DataSource, EntityManager } from 'typeorm';

type Runner = DataSource | EntityManager;

/**
 * Runs raw SQL and returns its rows. typeorm answers UPDATE/DELETE … RETURNING with
 * `[rows, rowCount]` but SELECT/INSERT with `rows`; this hides the difference.
 */
export async function sql<T>(runner: Runner, text: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await runner.query(text, params);
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
