import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An agent's `transferredOut` now counts tickets handed to another agent only, not tickets
 * released to nobody (the agent deactivated, the ticket unassigned). The rollups already hold
 * the old count for those tickets: noting them as changed has the next refresh recount them
 * (a recount is idempotent, so there is nothing to undo).
 */
export class AnalyticsReleasesAreNotTransfers1765100000000 implements MigrationInterface {
  name = 'AnalyticsReleasesAreNotTransfers1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `INSERT INTO analytics_changes (ticket_id)
       SELECT DISTINCT ticket_id FROM ticket_assignments
        WHERE status = 'transferred' AND transferred_to IS NULL`,
    );
  }

  async down(): Promise<void> {
    // The recount cannot be told apart from any other change; leaving it costs nothing.
  }
}
