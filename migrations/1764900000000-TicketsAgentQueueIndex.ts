import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The `smart` sort's keys, as tickets.repository.ts orders them (see TicketsSmartOrderIndex). */
const smartKeys = `(coalesce(sla_due_at, 'infinity'::timestamptz)), (-customer_value), (-priority_rank), created_at, id`;

/**
 * An agent's queue (`GET /api/agents/:id/queue`: their new, open and on-hold tickets in smart
 * order) had no index giving its order: Postgres fetched all of the agent's open tickets
 * (~190 each at 1M, on as many heap pages), then sorted them for a page of 25 — 9 ms and 190
 * page reads per request, which made the queue Postgres-bound at ~110 req/s (BENCHMARKS.md).
 * With the agent first and only open work indexed (a small index: ~7 % of tickets), Postgres
 * walks the page in order and stops. The status list must stay the open statuses the queue
 * defaults to, so a queue query's `status = ANY(…)` implies this predicate.
 *
 * A later change of the smart sort must re-create this index with the new keys too.
 */
export class TicketsAgentQueueIndex1764900000000 implements MigrationInterface {
  name = 'TicketsAgentQueueIndex1764900000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_agent_queue_idx ON tickets (assignee_id, ${smartKeys})
        WHERE deleted_at IS NULL AND status IN ('new', 'open', 'on_hold')`,
    );
  }

  // typeorm reverts inside a transaction whatever `transaction` says, so no CONCURRENTLY here.
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tickets_agent_queue_idx`);
  }
}
