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

interface PgPool {
  query(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Runs one statement straight on the pg pool under typeorm, outside any transaction, and
 * returns its rows. For a statement on a hot path only: `DataSource.query` builds a QueryRunner
 * per call, and under a webhook storm that path promoted three times the bytes per delivery to
 * V8's old space and doubled the API's full collections (BENCHMARKS.md, Shopify webhook
 * acknowledgement).
 */
export async function poolQuery<T>(db: DataSource, text: string, params: unknown[]): Promise<T[]> {
  // typeorm's PostgresDriver keeps its pg.Pool as `master` (typed `any` there).
  const pool = (db.driver as unknown as { master: PgPool }).master;
  const result = await pool.query(text, params);
  return result.rows as T[];
}
