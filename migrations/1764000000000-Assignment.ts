import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Assignment: history rows per ticket, and each agent's open-ticket count kept current by a
 * trigger on every ticket write (assign, unassign, status change, soft delete, imports), so
 * routing and queues read a column instead of counting tickets per agent per request.
 * Open work is status new, open or on_hold on a live ticket; pending waits on the customer.
 */
export class Assignment1764000000000 implements MigrationInterface {
  name = 'Assignment1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents ADD COLUMN open_tickets int NOT NULL DEFAULT 0`);
    await q.query(`
      UPDATE agents a SET open_tickets = c.n
        FROM (SELECT assignee_id, count(*)::int AS n FROM tickets
               WHERE assignee_id IS NOT NULL AND deleted_at IS NULL AND status IN ('new','open','on_hold')
               GROUP BY assignee_id) c
       WHERE a.id = c.assignee_id`);

    await q.query(`
      CREATE FUNCTION tickets_workload_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        old_agent uuid;
        new_agent uuid;
      BEGIN
        IF TG_OP <> 'INSERT' AND OLD.assignee_id IS NOT NULL AND OLD.deleted_at IS NULL
           AND OLD.status IN ('new','open','on_hold') THEN
          old_agent := OLD.assignee_id;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.assignee_id IS NOT NULL AND NEW.deleted_at IS NULL
           AND NEW.status IN ('new','open','on_hold') THEN
          new_agent := NEW.assignee_id;
        END IF;
        IF old_agent IS NOT DISTINCT FROM new_agent THEN
          RETURN NULL;
        END IF;
        IF old_agent IS NOT NULL THEN
          UPDATE agents SET open_tickets = open_tickets - 1 WHERE id = old_agent;
        END IF;
        IF new_agent IS NOT NULL THEN
          UPDATE agents SET open_tickets = open_tickets + 1 WHERE id = new_agent;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER tickets_workload_on_write
      AFTER INSERT OR DELETE OR UPDATE OF status, assignee_id, deleted_at ON tickets
      FOR EACH ROW EXECUTE FUNCTION tickets_workload_on_write()`);

    await q.query(`
      CREATE TABLE ticket_assignments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        agent_id uuid NOT NULL REFERENCES agents(id),
        previous_agent_id uuid REFERENCES agents(id),
        assigned_by uuid REFERENCES agents(id),
        method text NOT NULL CHECK (method IN ('manual','self','auto','transfer','reopen')),
        reason text,
        status text NOT NULL DEFAULT 'assigned'
          CHECK (status IN ('assigned','accepted','in_progress','completed','transferred')),
        over_capacity boolean NOT NULL DEFAULT false,
        assigned_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        accepted_at timestamptz(3),
        started_at timestamptz(3),
        completed_at timestamptz(3),
        transferred_at timestamptz(3),
        transferred_by uuid REFERENCES agents(id),
        transferred_to uuid REFERENCES agents(id),
        transfer_reason text
      )`);
    await q.query(
      `CREATE INDEX ticket_assignments_ticket_idx ON ticket_assignments (ticket_id, assigned_at, id)`,
    );
    // At most one live assignment per ticket.
    await q.query(`
      CREATE UNIQUE INDEX ticket_assignments_current_idx ON ticket_assignments (ticket_id)
      WHERE status IN ('assigned','accepted','in_progress')`);
    await q.query(`CREATE INDEX ticket_assignments_agent_idx ON ticket_assignments (agent_id, assigned_at)`);

    // The unassigned queue and the backlog job read open unassigned tickets in smart order
    // (kept in step with the `smart` sort in tickets.repository.ts).
    await q.query(`
      CREATE INDEX tickets_unassigned_idx ON tickets
        ((coalesce(sla_due_at, 'infinity'::timestamptz)), (-priority_rank), created_at, id)
      WHERE assignee_id IS NULL AND deleted_at IS NULL AND status IN ('new','open','on_hold')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tickets_unassigned_idx`);
    await q.query(`DROP TABLE IF EXISTS ticket_assignments`);
    await q.query(`DROP TRIGGER IF EXISTS tickets_workload_on_write ON tickets`);
    await q.query(`DROP FUNCTION IF EXISTS tickets_workload_on_write`);
    await q.query(`ALTER TABLE agents DROP COLUMN IF EXISTS open_tickets`);
  }
}
