import type { MigrationInterface, QueryRunner } from 'typeorm';

const smartKeys = `(coalesce(sla_due_at, 'infinity'::timestamptz)), (-customer_value), (-priority_rank), created_at, id`;

/**
 * The smart order gains the customer-value term (between SLA urgency and priority), so the two
 * indexes that serve it list the same expressions as the `smart` sort in tickets.repository.ts.
 * The foundation's priority-only index is no longer used by any query.
 */
export class SmartOrderWithCustomerValue1764190000000 implements MigrationInterface {
  name = 'SmartOrderWithCustomerValue1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tickets_smart_idx`);
    await q.query(`DROP INDEX IF EXISTS tickets_sla_smart_idx`);
    await q.query(
      `CREATE INDEX tickets_sla_smart_idx ON tickets (status, ${smartKeys}) WHERE deleted_at IS NULL`,
    );
    await q.query(`DROP INDEX IF EXISTS tickets_unassigned_idx`);
    await q.query(`
      CREATE INDEX tickets_unassigned_idx ON tickets (${smartKeys})
      WHERE assignee_id IS NULL AND deleted_at IS NULL AND status IN ('new','open','on_hold')`);
  }

  async down(q: QueryRunner): Promise<void> {
    const oldKeys = `(coalesce(sla_due_at, 'infinity'::timestamptz)), (-priority_rank), created_at, id`;
    await q.query(`DROP INDEX IF EXISTS tickets_sla_smart_idx`);
    await q.query(
      `CREATE INDEX tickets_sla_smart_idx ON tickets (status, ${oldKeys}) WHERE deleted_at IS NULL`,
    );
    await q.query(`DROP INDEX IF EXISTS tickets_unassigned_idx`);
    await q.query(`
      CREATE INDEX tickets_unassigned_idx ON tickets (${oldKeys})
      WHERE assignee_id IS NULL AND deleted_at IS NULL AND status IN ('new','open','on_hold')`);
    await q.query(
      `CREATE INDEX tickets_smart_idx ON tickets (status, priority_rank DESC, created_at, id) WHERE deleted_at IS NULL`,
    );
  }
}
