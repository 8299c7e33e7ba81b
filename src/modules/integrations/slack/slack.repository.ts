import { sql } from '../../../platform/db/sql';
import type { KnownBlock } from '@slack/web-api';
import type { DataSource, EntityManager } from 'typeorm';
import type { MentionableAgent } from './slack.mentions';
import type { TicketContext } from './slack.messages';
import { batchableKinds, type DailySummary, type NotificationKind } from './slack.types';

export interface NewNotification {
  dedupeKey: string;
  kind: NotificationKind;
  channel: string;
  threadTs?: string | null;
  ticketId: string | null;
  text: string;
  blocks?: KnownBlock[] | null;
}

export interface PendingNotification {
  id: string;
  kind: NotificationKind;
  channel: string;
  threadTs: string | null;
  ticketId: string | null;
  text: string;
  blocks: KnownBlock[] | null;
  attempts: number;
}

interface PendingRow {
  id: string;
  kind: NotificationKind;
  channel: string;
  thread_ts: string | null;
  ticket_id: string | null;
  text: string;
  blocks: KnownBlock[] | null;
  attempts: number;
}

const toPending = (r: PendingRow): PendingNotification => ({
  id: String(r.id),
  kind: r.kind,
  channel: r.channel,
  threadTs: r.thread_ts,
  ticketId: r.ticket_id,
  text: r.text,
  blocks: r.blocks,
  attempts: r.attempts,
});

const PENDING_COLUMNS = 'id, kind, channel, thread_ts, ticket_id, text, blocks, attempts';

export interface NoteForMentions {
  id: string;
  ticketId: string;
  agentId: string | null;
  authorName: string | null;
  body: string;
  internal: boolean;
}

export interface StoredSlackEvent {
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
  processedAt: Date | null;
}

/** Every query of the Slack module: the outbox, the events inbox, and the reads alerts need. */
export class SlackRepository {
  constructor(private readonly db: DataSource) {}

  /** Records a notification once per dedupe key; its id, or null when the key already existed. */
  async insertNotification(n: NewNotification): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.db.query(
      `INSERT INTO slack_notifications (dedupe_key, kind, channel, thread_ts, ticket_id, text, blocks)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        n.dedupeKey,
        n.kind,
        n.channel,
        n.threadTs ?? null,
        n.ticketId,
        n.text,
        n.blocks ? JSON.stringify(n.blocks) : null,
      ],
    );
    return rows[0] ? String(rows[0].id) : null;
  }

  /**
   * Locks the next message's worth of pending notifications of a channel (rows another flush
   * holds are skipped): the oldest one, plus, when it is an alert, every other pending alert of
   * the channel up to `max`, oldest first. Thread replies and one-off messages go alone.
   */
  async claimBatch(tx: EntityManager, channel: string, max: number): Promise<PendingNotification[]> {
    const first: PendingRow[] = await tx.query(
      `SELECT ${PENDING_COLUMNS} FROM slack_notifications
        WHERE channel = $1 AND status = 'pending'
        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [channel],
    );
    const head = first[0];
    if (!head) return [];
    if (!batchableKinds.includes(head.kind) || head.thread_ts !== null) return [toPending(head)];
    const rows: PendingRow[] = await tx.query(
      `SELECT ${PENDING_COLUMNS} FROM slack_notifications
        WHERE channel = $1 AND status = 'pending' AND kind = ANY($2) AND thread_ts IS NULL
        ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [channel, batchableKinds, max],
    );
    return rows.map(toPending);
  }

  async markSent(tx: EntityManager, ids: string[], messageTs: string): Promise<void> {
    await tx.query(
      `UPDATE slack_notifications
          SET status = 'sent', sent_at = now(), message_ts = $2, attempts = attempts + 1, last_error = NULL
        WHERE id = ANY($1::bigint[])`,
      [ids, messageTs],
    );
  }

  async markFailed(tx: EntityManager, ids: string[], error: string): Promise<void> {
    await tx.query(
      `UPDATE slack_notifications SET status = 'failed', attempts = attempts + 1, last_error = $2
        WHERE id = ANY($1::bigint[])`,
      [ids, error],
    );
  }

  /** Counts a failed attempt; rows that reach `maxAttempts` become failed. Returns the highest count. */
  async recordAttempt(tx: EntityManager, ids: string[], error: string, maxAttempts: number): Promise<number> {
    const rows = await sql<{ attempts: number }>(
      tx,
      `UPDATE slack_notifications
          SET attempts = attempts + 1, last_error = $2,
              status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE status END
        WHERE id = ANY($1::bigint[])
        RETURNING attempts`,
      [ids, error, maxAttempts],
    );
    return Math.max(0, ...rows.map((r) => r.attempts));
  }

  async hasPending(channel: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM slack_notifications WHERE channel = $1 AND status = 'pending' LIMIT 1`,
      [channel],
    );
    return rows.length > 0;
  }

  /** Channels with notifications pending for longer than `olderThanMs`. */
  async staleChannels(olderThanMs: number): Promise<string[]> {
    const rows: Array<{ channel: string }> = await this.db.query(
      `SELECT DISTINCT channel FROM slack_notifications
        WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs],
    );
    return rows.map((r) => r.channel);
  }

  async statusCounts(): Promise<Record<string, number>> {
    const rows: Array<{ status: string; n: string }> = await this.db.query(
      `SELECT status, count(*) AS n FROM slack_notifications GROUP BY status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async ticketContext(
    where: { id: string } | { number: number },
  ): Promise<(TicketContext & { status: string }) | null> {
    const rows: Array<{
      id: string;
      number: string;
      subject: string;
      priority: string;
      status: string;
      assignee_name: string | null;
      customer_name: string | null;
    }> = await this.db.query(
      `SELECT t.id, t.number, t.subject, t.priority, t.status, a.name AS assignee_name,
              coalesce(c.name, c.email) AS customer_name
         FROM tickets t
         LEFT JOIN agents a ON a.id = t.assignee_id
         LEFT JOIN customers c ON c.id = t.customer_id
        WHERE ${'id' in where ? 't.id = $1' : 't.number = $1'} AND t.deleted_at IS NULL`,
      ['id' in where ? where.id : where.number],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      number: Number(r.number),
      subject: r.subject,
      priority: r.priority,
      status: r.status,
      assigneeName: r.assignee_name,
      customerName: r.customer_name,
    };
  }

  async noteForMentions(messageId: string): Promise<NoteForMentions | null> {
    const rows: Array<{
      id: string;
      ticket_id: string;
      agent_id: string | null;
      author_name: string | null;
      body: string;
      internal: boolean;
    }> = await this.db.query(
      `SELECT m.id, m.ticket_id, m.agent_id, a.name AS author_name, m.body, m.internal
         FROM messages m LEFT JOIN agents a ON a.id = m.agent_id
        WHERE m.id = $1 AND m.deleted_at IS NULL`,
      [messageId],
    );
    const r = rows[0];
    return r
      ? {
          id: r.id,
          ticketId: r.ticket_id,
          agentId: r.agent_id,
          authorName: r.author_name,
          body: r.body,
          internal: r.internal,
        }
      : null;
  }

  activeAgents(): Promise<MentionableAgent[]> {
    return this.db.query(`SELECT id, name, email FROM agents WHERE active ORDER BY created_at`);
  }

  async lastSummaryAt(): Promise<Date | null> {
    const rows: Array<{ at: Date | null }> = await this.db.query(
      `SELECT max(created_at) AS at FROM slack_notifications WHERE kind = 'daily_summary'`,
    );
    return rows[0]?.at ?? null;
  }

  /**
   * The daily summary straight from the ticket tables. Breaches are the breach alerts recorded
   * here (the SLA monitor publishes each once); compliance is the share of tickets resolved in the
   * period that never breached.
   */
  async summarize(from: Date, to: Date): Promise<DailySummary> {
    const [counts]: Array<Record<string, string>> = await this.db.query(
      `SELECT
         (SELECT count(*) FROM tickets WHERE deleted_at IS NULL AND created_at >= $1 AND created_at < $2) AS created,
         (SELECT count(*) FROM tickets WHERE deleted_at IS NULL AND resolved_at >= $1 AND resolved_at < $2) AS resolved,
         (SELECT count(*) FROM tickets WHERE deleted_at IS NULL AND status IN ('new','open','pending','on_hold')) AS open,
         (SELECT count(*) FROM tickets WHERE deleted_at IS NULL AND status IN ('new','open','pending','on_hold')
             AND assignee_id IS NULL) AS unassigned,
         (SELECT count(*) FROM tickets WHERE deleted_at IS NULL AND status IN ('new','open','pending','on_hold')
             AND priority = 'urgent') AS urgent,
         (SELECT count(*) FROM slack_notifications WHERE kind = 'sla_breach' AND created_at >= $1 AND created_at < $2)
           AS breaches,
         (SELECT count(*) FROM tickets t WHERE t.deleted_at IS NULL AND t.resolved_at >= $1 AND t.resolved_at < $2
             AND EXISTS (SELECT 1 FROM slack_notifications n WHERE n.ticket_id = t.id AND n.kind = 'sla_breach'))
           AS resolved_with_breach`,
      [from, to],
    );
    const top: Array<{ name: string; resolved: string }> = await this.db.query(
      `SELECT a.name, count(*) AS resolved
         FROM tickets t JOIN agents a ON a.id = t.assignee_id
        WHERE t.deleted_at IS NULL AND t.resolved_at >= $1 AND t.resolved_at < $2
        GROUP BY a.id, a.name ORDER BY count(*) DESC, a.name LIMIT 3`,
      [from, to],
    );
    const n = (k: string) => Number(counts?.[k] ?? 0);
    const resolved = n('resolved');
    const withBreach = n('resolved_with_breach');
    return {
      from,
      to,
      created: n('created'),
      resolved,
      backlog: { open: n('open'), unassigned: n('unassigned'), urgent: n('urgent') },
      sla: {
        breaches: n('breaches'),
        resolvedWithBreach: withBreach,
        compliance: resolved === 0 ? null : (resolved - withBreach) / resolved,
      },
      topAgents: top.map((t) => ({ name: t.name, resolved: Number(t.resolved) })),
    };
  }

  /**
   * Records an Events API delivery; a retry of a known event only bumps its delivery count.
   * Returns whether the event is new and whether it has been processed.
   */
  async recordEvent(
    eventId: string,
    type: string,
    payload: unknown,
    retryNum: number | null,
  ): Promise<{ isNew: boolean; processed: boolean }> {
    const rows: Array<{ is_new: boolean; processed: boolean }> = await this.db.query(
      `INSERT INTO slack_events AS e (event_id, type, payload, last_retry_num)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO UPDATE
         SET deliveries = e.deliveries + 1, last_retry_num = coalesce(EXCLUDED.last_retry_num, e.last_retry_num)
       RETURNING (xmax = 0) AS is_new, processed_at IS NOT NULL AS processed`,
      [eventId, type, JSON.stringify(payload), retryNum],
    );
    const r = rows[0];
    return { isNew: r?.is_new ?? false, processed: r?.processed ?? false };
  }

  async findEvent(eventId: string): Promise<StoredSlackEvent | null> {
    const rows: Array<{
      event_id: string;
      type: string;
      payload: Record<string, unknown>;
      processed_at: Date | null;
    }> = await this.db.query(
      `SELECT event_id, type, payload, processed_at FROM slack_events WHERE event_id = $1`,
      [eventId],
    );
    const r = rows[0];
    return r ? { eventId: r.event_id, type: r.type, payload: r.payload, processedAt: r.processed_at } : null;
  }

  async markEventProcessed(eventId: string): Promise<void> {
    await this.db.query(`UPDATE slack_events SET processed_at = now() WHERE event_id = $1`, [eventId]);
  }
}
