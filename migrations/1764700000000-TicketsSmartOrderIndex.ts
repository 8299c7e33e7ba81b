import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The `smart` sort's keys, as tickets.repository.ts orders them: due time, customer value, priority, age. */
const smartKeys = `(coalesce(sla_due_at, 'infinity'::timestamptz)), (-customer_value), (-priority_rank), created_at, id`;

/**
 * The `smart` order over all live tickets, without a status prefix. Full-text search
 * (`GET /api/tickets?q=`) has no status filter, so the indexes that serve the smart order
 * (status first) cannot give its ORDER BY: a common word meant fetching and sorting every match
 * — a parallel seq scan of 1M tickets, ~1 s alone and statement timeouts under load. With this
 * index Postgres walks the order and stops after the page (1.4 ms for a word in 68 % of 1M
 * tickets, 11 ms at 1 %), and still picks the GIN bitmap for rare words. BENCHMARKS.md.
 *
 * The keys must be the smart sort's: a later change of the smart sort must re-create this
 * index (and tickets_sla_smart_idx, tickets_unassigned_idx) with the new keys too.
 *
 * Built CONCURRENTLY (outside a transaction) so a large tickets table stays writable while it
 * builds (1.5 s at 1M tickets here).
 */
export class TicketsSmartOrderIndex1764700000000 implements MigrationInterface {
  name = 'TicketsSmartOrderIndex1764700000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_smart_all_idx ON tickets (${smartKeys}) WHERE deleted_at IS NULL`,
    );
  }

  // typeorm reverts inside a transaction whatever `transaction` says, so no CONCURRENTLY here.
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tickets_smart_all_idx`);
  }
}
