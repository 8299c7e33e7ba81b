import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The `smart` sort's keys, as tickets.repository.ts orders them, in the schema this runs on. */
const foundationKeys = `priority_rank DESC, created_at, id`;
/** After the SLA and intelligence modules: due time, customer value, priority, age. */
const slaValueKeys = `(coalesce(sla_due_at, 'infinity'::timestamptz)), (-customer_value), (-priority_rank), created_at, id`;

/**
 * The `smart` order over all live tickets, without a status prefix. Full-text search
 * (`GET /api/tickets?q=`) has no status filter, so the indexes that serve the smart order
 * (status first) cannot give its ORDER BY: a common word meant fetching and sorting every match
 * — a parallel seq scan of 1M tickets, ~1 s alone and statement timeouts under load. With this
 * index Postgres walks the order and stops after the page (1.4 ms for a word in 68 % of 1M
 * tickets, 11 ms at 1 %), and still picks the GIN bitmap for rare words. BENCHMARKS.md.
 *
 * The keys must be the smart sort's, which the SLA and intelligence modules extend (their
 * migrations run before this one): the index takes the extended keys when those columns exist.
 * A later change of the smart sort must re-create this index with the new keys too.
 *
 * Built CONCURRENTLY (outside a transaction) so a large tickets table stays writable while it
 * builds (1.5 s at 1M tickets here).
 */
export class TicketsSmartOrderIndex1764700000000 implements MigrationInterface {
  name = 'TicketsSmartOrderIndex1764700000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const rows: Array<{ n: string }> = await q.query(
      `SELECT count(*) AS n FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'tickets'
          AND column_name IN ('sla_due_at', 'customer_value')`,
    );
    const keys = Number(rows[0]?.n) === 2 ? slaValueKeys : foundationKeys;
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_smart_all_idx ON tickets (${keys}) WHERE deleted_at IS NULL`,
    );
  }

  // typeorm reverts inside a transaction whatever `transaction` says, so no CONCURRENTLY here.
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tickets_smart_all_idx`);
  }
}
