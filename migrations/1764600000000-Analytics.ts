import type { MigrationInterface, QueryRunner } from 'typeorm';

const slaColumns = `
  sla_first_response_met int NOT NULL DEFAULT 0,
  sla_first_response_breached int NOT NULL DEFAULT 0,
  sla_next_reply_met int NOT NULL DEFAULT 0,
  sla_next_reply_breached int NOT NULL DEFAULT 0,
  sla_resolution_met int NOT NULL DEFAULT 0,
  sla_resolution_breached int NOT NULL DEFAULT 0`;

const timingColumns = `
  first_response_count int NOT NULL DEFAULT 0,
  first_response_ms bigint NOT NULL DEFAULT 0,
  first_response_hist jsonb NOT NULL DEFAULT '{}',
  resolution_count int NOT NULL DEFAULT 0,
  resolution_ms bigint NOT NULL DEFAULT 0,
  resolution_hist jsonb NOT NULL DEFAULT '{}'`;

/**
 * Analytics: daily rollups (per agent; per segment of tickets: all, assignee, channel, category,
 * priority, customer tier), the per-ticket ledger of what each ticket contributed to them, the
 * change log the refresh job folds in, and agents' status intervals (online time).
 *
 * The change log is written by triggers on every table a figure is computed from, so no write
 * path (services, imports, the SLA monitor, hand-run SQL) can change a ticket without the
 * refresh job hearing of it. Each row names a ticket; the job refolds the tickets it names and
 * deletes the rows, so its cost follows what changed.
 */
export class Analytics1764600000000 implements MigrationInterface {
  name = 'Analytics1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // --- change log ---------------------------------------------------------------------------
    await q.query(`
      CREATE TABLE analytics_changes (
        id bigserial PRIMARY KEY,
        ticket_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX analytics_changes_ticket_idx ON analytics_changes (ticket_id)`);

    await q.query(`
      CREATE FUNCTION analytics_note_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO analytics_changes (ticket_id) VALUES (NEW.id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION analytics_note_ticket_child() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO analytics_changes (ticket_id) VALUES (NEW.ticket_id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION analytics_note_customer_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO analytics_changes (ticket_id)
          SELECT id FROM tickets WHERE customer_id = NEW.id AND deleted_at IS NULL;
        RETURN NULL;
      END $$`);

    const changed = (cols: string[]) => cols.map((c) => `OLD.${c} IS DISTINCT FROM NEW.${c}`).join(' OR ');
    // [trigger, table, events, condition, function]
    const triggers: Array<[string, string, string, string | null, string]> = [
      ['analytics_tickets_insert', 'tickets', 'INSERT', null, 'analytics_note_ticket'],
      [
        'analytics_tickets_update',
        'tickets',
        'UPDATE',
        changed([
          'status',
          'priority',
          'channel',
          'category',
          'assignee_id',
          'customer_id',
          'first_responded_at',
          'created_at',
          'deleted_at',
        ]),
        'analytics_note_ticket',
      ],
      ['analytics_messages_insert', 'messages', 'INSERT', null, 'analytics_note_ticket_child'],
      [
        'analytics_messages_update',
        'messages',
        'UPDATE',
        changed(['ticket_id', 'author_type', 'agent_id', 'internal', 'created_at', 'deleted_at']),
        'analytics_note_ticket_child',
      ],
      [
        'analytics_status_changes_write',
        'ticket_status_changes',
        'INSERT OR UPDATE',
        null,
        'analytics_note_ticket_child',
      ],
      ['analytics_assignments_insert', 'ticket_assignments', 'INSERT', null, 'analytics_note_ticket_child'],
      [
        'analytics_assignments_update',
        'ticket_assignments',
        'UPDATE',
        changed([
          'agent_id',
          'method',
          'status',
          'assigned_at',
          'accepted_at',
          'completed_at',
          'transferred_at',
        ]),
        'analytics_note_ticket_child',
      ],
      ['analytics_ticket_slas_insert', 'ticket_slas', 'INSERT', null, 'analytics_note_ticket_child'],
      [
        'analytics_ticket_slas_update',
        'ticket_slas',
        'UPDATE',
        changed([
          'first_response_breached',
          'first_response_decided_at',
          'resolution_breached',
          'resolution_decided_at',
        ]),
        'analytics_note_ticket_child',
      ],
      [
        'analytics_sla_clocks_insert',
        'sla_clocks',
        'INSERT',
        `NEW.target = 'next_reply'`,
        'analytics_note_ticket_child',
      ],
      [
        'analytics_sla_clocks_update',
        'sla_clocks',
        'UPDATE',
        `NEW.target = 'next_reply' AND (${changed(['state', 'stop_reason', 'due_at', 'ended_at', 'breached_at'])})`,
        'analytics_note_ticket_child',
      ],
      [
        'analytics_customers_tier',
        'customers',
        'UPDATE',
        changed(['tier']),
        'analytics_note_customer_tickets',
      ],
    ];
    for (const [name, table, events, condition, fn] of triggers) {
      await q.query(
        `CREATE TRIGGER ${name} AFTER ${events} ON ${table} FOR EACH ROW
         ${condition ? `WHEN (${condition})` : ''} EXECUTE FUNCTION ${fn}()`,
      );
    }

    // --- histograms ------------------------------------------------------------------------------
    // Sparse histograms {"bucket": count}; adding two drops buckets that reach zero.
    await q.query(`
      CREATE FUNCTION analytics_hist_add(a jsonb, b jsonb) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb)
          FROM (SELECT k, sum(v::int) AS n
                  FROM (SELECT key, value FROM jsonb_each_text(coalesce(a, '{}'::jsonb))
                        UNION ALL
                        SELECT key, value FROM jsonb_each_text(coalesce(b, '{}'::jsonb))) x(k, v)
                 GROUP BY k HAVING sum(v::int) <> 0) y
      $$`);

    // --- rollups -------------------------------------------------------------------------------
    // Ticket figures by day and segment. `open_delta` is the day's net change of the backlog
    // (created − resolved + reopened); the backlog at the end of a day is its running sum.
    await q.query(`
      CREATE TABLE analytics_segment_daily (
        dimension text NOT NULL
          CHECK (dimension IN ('all','assignee','channel','category','priority','tier')),
        value text NOT NULL,
        day date NOT NULL,
        created int NOT NULL DEFAULT 0,
        resolved int NOT NULL DEFAULT 0,
        reopened int NOT NULL DEFAULT 0,
        open_delta int NOT NULL DEFAULT 0,
        repeats int NOT NULL DEFAULT 0,
        ${timingColumns},
        ${slaColumns},
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dimension, value, day)
      ) WITH (fillfactor = 70)`);
    await q.query(`CREATE INDEX analytics_segment_daily_day_idx ON analytics_segment_daily (dimension, day)`);
    // The backlog now by segment (the sum of every day's open_delta): the backlog at the end of
    // a day is this minus the days after it, so recent days read few rows.
    await q.query(`
      CREATE TABLE analytics_segment_open (
        dimension text NOT NULL,
        value text NOT NULL,
        open int NOT NULL DEFAULT 0,
        PRIMARY KEY (dimension, value)
      )`);

    await q.query(`
      CREATE TABLE analytics_agent_daily (
        agent_id uuid NOT NULL,
        day date NOT NULL,
        assigned int NOT NULL DEFAULT 0,
        accepted int NOT NULL DEFAULT 0,
        transferred_in int NOT NULL DEFAULT 0,
        transferred_out int NOT NULL DEFAULT 0,
        resolved int NOT NULL DEFAULT 0,
        reopened int NOT NULL DEFAULT 0,
        public_replies int NOT NULL DEFAULT 0,
        internal_notes int NOT NULL DEFAULT 0,
        ${timingColumns},
        ${slaColumns},
        online_seconds int NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (agent_id, day)
      ) WITH (fillfactor = 70)`);
    await q.query(`CREATE INDEX analytics_agent_daily_day_idx ON analytics_agent_daily (day)`);

    // What each live ticket contributes to the rollups (its facts), so a refold subtracts the
    // old contribution and adds the new one. `days`: the days it contributes to (nightly lookup).
    await q.query(`
      CREATE TABLE analytics_ticket_ledger (
        ticket_id uuid PRIMARY KEY,
        customer_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL,
        category text,
        repeat boolean NOT NULL DEFAULT false,
        days date[] NOT NULL DEFAULT '{}',
        facts jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      ) WITH (fillfactor = 80)`);
    await q.query(
      `CREATE INDEX analytics_ticket_ledger_created_idx ON analytics_ticket_ledger (created_at) INCLUDE (customer_id)`,
    );
    await q.query(
      `CREATE INDEX analytics_ticket_ledger_repeat_idx ON analytics_ticket_ledger (created_at)
         INCLUDE (customer_id, category) WHERE repeat`,
    );
    await q.query(
      `CREATE INDEX analytics_ticket_ledger_days_idx ON analytics_ticket_ledger USING gin (days)`,
    );

    // --- presence ------------------------------------------------------------------------------
    await q.query(`
      CREATE TABLE analytics_agent_status_intervals (
        id bigserial PRIMARY KEY,
        agent_id uuid NOT NULL REFERENCES agents(id),
        status text NOT NULL CHECK (status IN ('online','busy','away','offline')),
        started_at timestamptz(3) NOT NULL,
        ended_at timestamptz(3),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ended_at IS NULL OR ended_at >= started_at)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX analytics_status_intervals_open_idx ON analytics_agent_status_intervals (agent_id)
         WHERE ended_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX analytics_status_intervals_agent_idx ON analytics_agent_status_intervals (agent_id, started_at)`,
    );
    await q.query(
      `CREATE INDEX analytics_status_intervals_updated_idx ON analytics_agent_status_intervals (updated_at)`,
    );
    // Intervals overlapping a day: those ending after its start (or still open).
    await q.query(
      `CREATE INDEX analytics_status_intervals_end_idx ON analytics_agent_status_intervals
         (agent_id, (coalesce(ended_at, 'infinity'::timestamptz)))`,
    );
    await q.query(`
      INSERT INTO analytics_agent_status_intervals (agent_id, status, started_at)
      SELECT id, status, now() FROM agents WHERE status <> 'offline' AND active`);

    // --- job state and lookups for the nightly recompute --------------------------------------
    await q.query(`CREATE TABLE analytics_state (key text PRIMARY KEY, at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX analytics_status_changes_created_idx ON ticket_status_changes (created_at)`);
    await q.query(`CREATE INDEX analytics_assignments_assigned_idx ON ticket_assignments (assigned_at)`);
    await q.query(
      `CREATE INDEX analytics_assignments_accepted_idx ON ticket_assignments (accepted_at) WHERE accepted_at IS NOT NULL`,
    );

    // Existing tickets are folded in by the refresh job, in batches, like any other change.
    await q.query(
      `INSERT INTO analytics_changes (ticket_id) SELECT id FROM tickets WHERE deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const triggers: Array<[string, string]> = [
      ['analytics_tickets_insert', 'tickets'],
      ['analytics_tickets_update', 'tickets'],
      ['analytics_messages_insert', 'messages'],
      ['analytics_messages_update', 'messages'],
      ['analytics_status_changes_write', 'ticket_status_changes'],
      ['analytics_assignments_insert', 'ticket_assignments'],
      ['analytics_assignments_update', 'ticket_assignments'],
      ['analytics_ticket_slas_insert', 'ticket_slas'],
      ['analytics_ticket_slas_update', 'ticket_slas'],
      ['analytics_sla_clocks_insert', 'sla_clocks'],
      ['analytics_sla_clocks_update', 'sla_clocks'],
      ['analytics_customers_tier', 'customers'],
    ];
    for (const [name, table] of triggers) await q.query(`DROP TRIGGER IF EXISTS ${name} ON ${table}`);
    await q.query(`DROP INDEX IF EXISTS analytics_status_changes_created_idx`);
    await q.query(`DROP INDEX IF EXISTS analytics_assignments_assigned_idx`);
    await q.query(`DROP INDEX IF EXISTS analytics_assignments_accepted_idx`);
    await q.query(
      `DROP TABLE IF EXISTS analytics_state, analytics_agent_status_intervals, analytics_ticket_ledger,
         analytics_agent_daily, analytics_segment_open, analytics_segment_daily, analytics_changes`,
    );
    await q.query(
      `DROP FUNCTION IF EXISTS analytics_hist_add, analytics_note_customer_tickets, analytics_note_ticket_child,
         analytics_note_ticket`,
    );
  }
}
