import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Slack outbox and the Events API inbox.
 *
 * `slack_notifications`: one row per notification, unique per dedupe key (ticket, target, kind),
 * pending until the message carrying it is posted; a per-channel flush sends every pending row
 * of a channel in one message and marks them sent.
 * `slack_events`: one row per Events API `event_id`, so Slack's retries are recognised.
 */
export class SlackNotifications1764400000000 implements MigrationInterface {
  name = 'SlackNotifications1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE slack_notifications (
        id bigserial PRIMARY KEY,
        dedupe_key text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('sla_breach','sla_warning','urgent_ticket','churn_risk',
          'mention','daily_summary','manual','event_reply')),
        channel text NOT NULL,
        thread_ts text,
        ticket_id uuid REFERENCES tickets(id),
        text text NOT NULL,
        blocks jsonb,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        message_ts text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        sent_at timestamptz(3),
        CONSTRAINT slack_notifications_dedupe_key_key UNIQUE (dedupe_key)
      )`);
    await q.query(
      `CREATE INDEX slack_notifications_pending_idx ON slack_notifications (channel, id) WHERE status = 'pending'`,
    );
    await q.query(`CREATE INDEX slack_notifications_kind_idx ON slack_notifications (kind, created_at)`);

    await q.query(`
      CREATE TABLE slack_events (
        event_id text PRIMARY KEY,
        type text NOT NULL,
        payload jsonb NOT NULL,
        deliveries int NOT NULL DEFAULT 1,
        last_retry_num int,
        received_at timestamptz(3) NOT NULL DEFAULT now(),
        processed_at timestamptz(3)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS slack_events, slack_notifications`);
  }
}
