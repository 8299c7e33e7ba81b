import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SLA engine: policies (one live policy per priority) with immutable versions, per-ticket
 * tracking, one row per clock instance, the monitor's alert records, and the ticket's next due
 * time denormalised onto `tickets` for the smart queue order.
 */
export class SlaEngine1763900000000 implements MigrationInterface {
  name = 'SlaEngine1763900000000';

  async up(q: QueryRunner): Promise<void> {
    const priorities = `('low','normal','high','urgent')`;
    const targets = `('first_response','next_reply','resolution')`;
    await q.query(`
      CREATE TABLE sla_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        priority text NOT NULL CHECK (priority IN ${priorities}),
        first_response_minutes int NOT NULL CHECK (first_response_minutes > 0),
        resolution_minutes int NOT NULL CHECK (resolution_minutes > 0),
        next_reply_minutes int CHECK (next_reply_minutes > 0),
        business_hours jsonb,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        deleted_at timestamptz(3)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX sla_policies_priority_key ON sla_policies (priority) WHERE deleted_at IS NULL`,
    );
    // Every edit of a policy writes a new version; tickets point at the version they were given,
    // so an edit only affects tickets created (or re-targeted) afterwards.
    await q.query(`
      CREATE TABLE sla_policy_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        policy_id uuid NOT NULL REFERENCES sla_policies(id),
        version int NOT NULL,
        priority text NOT NULL,
        first_response_minutes int NOT NULL,
        resolution_minutes int NOT NULL,
        next_reply_minutes int,
        business_hours jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT sla_policy_versions_key UNIQUE (policy_id, version)
      )`);

    await q.query(`
      CREATE TABLE ticket_slas (
        ticket_id uuid PRIMARY KEY REFERENCES tickets(id),
        policy_id uuid REFERENCES sla_policies(id),
        policy_version_id uuid REFERENCES sla_policy_versions(id),
        priority text NOT NULL,
        started_at timestamptz(3) NOT NULL,
        paused_at timestamptz(3),
        paused_ms bigint NOT NULL DEFAULT 0,
        first_response_ms bigint,
        first_response_breached boolean NOT NULL DEFAULT false,
        first_response_decided_at timestamptz(3),
        resolution_ms bigint,
        resolution_breached boolean NOT NULL DEFAULT false,
        resolution_decided_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX ticket_slas_first_response_decided_idx ON ticket_slas (first_response_decided_at)
        WHERE first_response_decided_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ticket_slas_resolution_decided_idx ON ticket_slas (resolution_decided_at)
        WHERE resolution_decided_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE sla_clocks (
        id uuid PRIMARY KEY,
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        target text NOT NULL CHECK (target IN ${targets}),
        cycle int NOT NULL CHECK (cycle > 0),
        policy_version_id uuid NOT NULL REFERENCES sla_policy_versions(id),
        started_at timestamptz(3) NOT NULL,
        target_minutes int NOT NULL,
        paused_ms bigint NOT NULL DEFAULT 0,
        extension_ms bigint NOT NULL DEFAULT 0,
        due_at timestamptz(3) NOT NULL,
        state text NOT NULL CHECK (state IN ('running','paused','met','stopped')),
        ended_at timestamptz(3),
        stop_reason text CHECK (stop_reason IN ('solved','retargeted','no_policy')),
        warned_at timestamptz(3),
        breached_at timestamptz(3),
        current boolean NOT NULL DEFAULT true,
        check_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT sla_clocks_cycle_key UNIQUE (ticket_id, target, cycle)
      )`);
    // The monitor reads only clocks whose next check has come: its cost follows what is due.
    await q.query(`CREATE INDEX sla_clocks_check_idx ON sla_clocks (check_at) WHERE check_at IS NOT NULL`);
    // At-risk lists: running clocks by due time.
    await q.query(`CREATE INDEX sla_clocks_running_due_idx ON sla_clocks (due_at) WHERE state = 'running'`);
    await q.query(`CREATE INDEX sla_clocks_current_idx ON sla_clocks (ticket_id) WHERE current`);

    // One row per clock and kind: the unique key makes recording idempotent across workers.
    await q.query(`
      CREATE TABLE sla_alerts (
        id bigserial PRIMARY KEY,
        clock_id uuid NOT NULL REFERENCES sla_clocks(id),
        ticket_id uuid NOT NULL,
        target text NOT NULL CHECK (target IN ${targets}),
        kind text NOT NULL CHECK (kind IN ('warning','breach')),
        due_at timestamptz(3) NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT sla_alerts_once_key UNIQUE (clock_id, kind)
      )`);
    await q.query(
      `CREATE INDEX sla_alerts_breaches_idx ON sla_alerts (occurred_at DESC, id DESC) WHERE kind = 'breach'`,
    );
    await q.query(`CREATE INDEX sla_alerts_ticket_idx ON sla_alerts (ticket_id)`);

    // The earliest unmet running due time of the ticket (null: paused, met, or no policy).
    await q.query(`ALTER TABLE tickets ADD COLUMN sla_due_at timestamptz(3)`);
    // The smart order as one ascending key: due time (no running clock last), priority, age.
    // Kept in step with the `smart` sort in tickets.repository.ts.
    await q.query(`
      CREATE INDEX tickets_sla_smart_idx ON tickets
        (status, (coalesce(sla_due_at, 'infinity'::timestamptz)), (-priority_rank), created_at, id)
        WHERE deleted_at IS NULL`);
    await q.query(
      `CREATE INDEX tickets_sla_due_idx ON tickets (sla_due_at) WHERE sla_due_at IS NOT NULL AND deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tickets_sla_due_idx`);
    await q.query(`DROP INDEX IF EXISTS tickets_sla_smart_idx`);
    await q.query(`ALTER TABLE tickets DROP COLUMN IF EXISTS sla_due_at`);
    await q.query(
      `DROP TABLE IF EXISTS sla_alerts, sla_clocks, ticket_slas, sla_policy_versions, sla_policies`,
    );
  }
}
