import type { DataSource, EntityManager } from 'typeorm';
import { sql } from '../../platform/db/sql';
import type { AgentStatus } from '../agents/agent.types';
import {
  agentCounters,
  segmentCounters,
  type AgentDelta,
  type RawAssignment,
  type RawMessageCount,
  type RawNextReply,
  type RawSlaOutcome,
  type RawStatusChange,
  type RawTicket,
  type RawTicketRows,
  type RollupDelta,
  type SegmentDelta,
  type TicketFacts,
} from './ticket-facts';

type Db = DataSource | EntityManager;

/** firstResponseMs → first_response_ms */
export const columnOf = (counter: string): string => counter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const day = (col: string) => `to_char(${col} AT TIME ZONE $2::text, 'YYYY-MM-DD')`;
const msBetween = (a: string, b: string) => `(extract(epoch FROM ${a} - ${b}) * 1000)::bigint`;
const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

/** Days a ticket must be within of another of the same customer and category to be a repeat. */
export const REPEAT_WINDOW = `interval '7 days'`;

export interface LedgerEntry {
  ticketId: string;
  facts: TicketFacts | null;
  ticket: RawTicket | null;
  days: string[];
}

/**
 * Every query the rollup jobs run: the change log, raw rows of changed tickets, the ledger, the
 * rollup upserts, agents' status intervals and the job state.
 */
export class RollupsRepository {
  constructor(private readonly db: DataSource) {}

  // --- change log ------------------------------------------------------------------------------

  /**
   * Takes the tickets named by the oldest `limit` change rows and deletes every change row of
   * those tickets that is committed now. A change committed after this statement stays for the
   * next run, and is folded again (a no-op when nothing moved).
   */
  async takeChanges(tx: EntityManager, limit: number): Promise<string[]> {
    const rows = await sql<{ ticket_id: string }>(
      tx,
      `WITH picked AS (
         SELECT DISTINCT ticket_id FROM (
           SELECT ticket_id FROM analytics_changes ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) oldest)
       DELETE FROM analytics_changes c USING picked p WHERE c.ticket_id = p.ticket_id
       RETURNING c.ticket_id`,
      [limit],
    );
    return [...new Set(rows.map((r) => r.ticket_id))];
  }

  async pendingChanges(db: Db = this.db): Promise<number> {
    const [row] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM analytics_changes`);
    return row?.n ?? 0;
  }

  /** Change rows up to `maxId` (a full rebuild covers them). */
  async dropChangesUpTo(tx: EntityManager, maxId: string): Promise<void> {
    await tx.query(`DELETE FROM analytics_changes WHERE id <= $1`, [maxId]);
  }

  async lastChangeId(tx: EntityManager): Promise<string> {
    const [row] = await sql<{ id: string | null }>(tx, `SELECT max(id)::text AS id FROM analytics_changes`);
    return row?.id ?? '0';
  }

  /**
   * Tickets whose "repeat" standing the given tickets may decide: live tickets of the same
   * customer and category (as the ticket is now, or as the ledger last saw it) created up to a
   * week after it.
   */
  async repeatNeighbours(tx: EntityManager, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await sql<{ id: string }>(
      tx,
      `SELECT DISTINCT u.id
         FROM tickets t
         LEFT JOIN analytics_ticket_ledger l ON l.ticket_id = t.id
         JOIN tickets u ON u.customer_id IN (t.customer_id, l.customer_id) AND u.deleted_at IS NULL
                       AND u.category IN (t.category, l.category)
                       AND u.created_at BETWEEN t.created_at AND t.created_at + ${REPEAT_WINDOW}
        WHERE t.id = ANY($1::uuid[]) AND u.id <> ALL($1::uuid[])`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  // --- raw rows --------------------------------------------------------------------------------

  /** The raw rows of the given tickets, with days cut in `timezone`. Unknown ids are left out. */
  async loadRaw(tx: EntityManager, ids: string[], timezone: string): Promise<Map<string, RawTicketRows>> {
    const result = new Map<string, RawTicketRows>();
    if (ids.length === 0) return result;
    const params = [ids, timezone];
    const tickets = await sql<{
      id: string;
      customer_id: string;
      created_at: Date;
      priority: string;
      channel: string;
      category: string | null;
      assignee_id: string | null;
      deleted: boolean;
      tier: string;
      created_day: string;
      first_response_day: string | null;
      first_response_ms: string | null;
      first_responder_id: string | null;
      repeat: boolean;
    }>(
      tx,
      `SELECT t.id, t.customer_id, t.created_at, t.priority, t.channel, t.category, t.assignee_id,
              (t.deleted_at IS NOT NULL) AS deleted, c.tier,
              ${day('t.created_at')} AS created_day,
              ${day('t.first_responded_at')} AS first_response_day,
              ${msBetween('t.first_responded_at', 't.created_at')} AS first_response_ms,
              fr.agent_id AS first_responder_id,
              (t.category IS NOT NULL AND EXISTS (
                 SELECT 1 FROM tickets u
                  WHERE u.customer_id = t.customer_id AND u.deleted_at IS NULL AND u.category = t.category
                    AND u.id <> t.id AND u.created_at >= t.created_at - ${REPEAT_WINDOW}
                    AND (u.created_at, u.id) < (t.created_at, t.id))) AS repeat
         FROM tickets t
         JOIN customers c ON c.id = t.customer_id
         LEFT JOIN LATERAL (
           SELECT m.agent_id FROM messages m
            WHERE m.ticket_id = t.id AND m.author_type = 'agent' AND NOT m.internal
            ORDER BY m.created_at, m.id LIMIT 1) fr ON t.first_responded_at IS NOT NULL
        WHERE t.id = ANY($1::uuid[])`,
      params,
    );
    for (const t of tickets) {
      result.set(t.id, {
        ticket: {
          id: t.id,
          customerId: t.customer_id,
          createdAt: t.created_at,
          priority: t.priority,
          channel: t.channel,
          category: t.category,
          assigneeId: t.assignee_id,
          deleted: t.deleted,
          tier: t.tier,
          createdDay: t.created_day,
          firstResponseDay: t.first_response_day,
          firstResponseMs: num(t.first_response_ms),
          firstResponderId: t.first_responder_id,
          repeat: t.repeat,
        },
        statusChanges: [],
        assignments: [],
        messages: [],
        sla: null,
        nextReplies: [],
      });
    }
    // One connection: the queries run one after another.
    const changes = await sql<{
      ticket_id: string;
      from_status: string | null;
      to_status: string;
      day: string;
      ms: string;
    }>(
      tx,
      `SELECT s.ticket_id, s.from_status, s.to_status, ${day('s.created_at')} AS day,
                ${msBetween('s.created_at', 't.created_at')} AS ms
           FROM ticket_status_changes s JOIN tickets t ON t.id = s.ticket_id
          WHERE s.ticket_id = ANY($1::uuid[])
          ORDER BY s.ticket_id, s.created_at, s.id`,
      params,
    );
    const assignments = await sql<{
      ticket_id: string;
      agent_id: string;
      method: string;
      assigned_day: string;
      accepted_day: string | null;
      completed_day: string | null;
      completed_ms: string | null;
      transferred_day: string | null;
    }>(
      tx,
      `SELECT a.ticket_id, a.agent_id, a.method, ${day('a.assigned_at')} AS assigned_day,
                ${day('a.accepted_at')} AS accepted_day, ${day('a.completed_at')} AS completed_day,
                ${msBetween('a.completed_at', 't.created_at')} AS completed_ms,
                -- A transfer out is a ticket handed to another agent; a release to nobody (the
                -- agent deactivated, the ticket unassigned) is not the agent's transfer.
                CASE WHEN a.transferred_to IS NOT NULL THEN ${day('a.transferred_at')} END AS transferred_day
           FROM ticket_assignments a JOIN tickets t ON t.id = a.ticket_id
          WHERE a.ticket_id = ANY($1::uuid[])`,
      params,
    );
    const messages = await sql<{
      ticket_id: string;
      agent_id: string;
      internal: boolean;
      day: string;
      n: number;
    }>(
      tx,
      `SELECT m.ticket_id, m.agent_id, m.internal, ${day('m.created_at')} AS day, count(*)::int AS n
           FROM messages m
          WHERE m.ticket_id = ANY($1::uuid[]) AND m.deleted_at IS NULL AND m.author_type = 'agent'
            AND m.agent_id IS NOT NULL
          GROUP BY 1, 2, 3, 4`,
      params,
    );
    const slas = await sql<{
      ticket_id: string;
      first_response_breached: boolean;
      first_response_day: string | null;
      resolution_breached: boolean;
      resolution_day: string | null;
    }>(
      tx,
      `SELECT s.ticket_id, s.first_response_breached, ${day('s.first_response_decided_at')} AS first_response_day,
                s.resolution_breached, ${day('s.resolution_decided_at')} AS resolution_day
           FROM ticket_slas s WHERE s.ticket_id = ANY($1::uuid[])`,
      params,
    );
    // A next-reply clock is breached when the monitor recorded it or it ended late, met when it
    // ended in time; it is decided on its due day (breached) or the day it was met.
    const nextReplies = await sql<{ ticket_id: string; breached: boolean; day: string }>(
      tx,
      `SELECT c.ticket_id, o.breached,
                ${day('CASE WHEN o.breached THEN c.due_at ELSE c.ended_at END')} AS day
           FROM sla_clocks c
           CROSS JOIN LATERAL (SELECT (c.breached_at IS NOT NULL
                                       OR (c.state IN ('met','stopped') AND c.ended_at > c.due_at)) AS breached) o
          WHERE c.ticket_id = ANY($1::uuid[]) AND c.target = 'next_reply'
            AND c.stop_reason IS DISTINCT FROM 'retargeted'
            AND (o.breached OR c.state = 'met')`,
      params,
    );
    for (const c of changes) {
      const sc: RawStatusChange = {
        ticketId: c.ticket_id,
        from: c.from_status,
        to: c.to_status,
        day: c.day,
        ms: Number(c.ms),
      };
      result.get(c.ticket_id)?.statusChanges.push(sc);
    }
    for (const a of assignments) {
      const row: RawAssignment = {
        ticketId: a.ticket_id,
        agentId: a.agent_id,
        method: a.method,
        assignedDay: a.assigned_day,
        acceptedDay: a.accepted_day,
        completedDay: a.completed_day,
        completedMs: num(a.completed_ms),
        transferredDay: a.transferred_day,
      };
      result.get(a.ticket_id)?.assignments.push(row);
    }
    for (const m of messages) {
      const row: RawMessageCount = {
        ticketId: m.ticket_id,
        agentId: m.agent_id,
        internal: m.internal,
        day: m.day,
        n: m.n,
      };
      result.get(m.ticket_id)?.messages.push(row);
    }
    for (const s of slas) {
      const outcome: RawSlaOutcome = {
        ticketId: s.ticket_id,
        firstResponseBreached: s.first_response_breached,
        firstResponseDay: s.first_response_day,
        resolutionBreached: s.resolution_breached,
        resolutionDay: s.resolution_day,
      };
      const entry = result.get(s.ticket_id);
      if (entry) entry.sla = outcome;
    }
    for (const n of nextReplies) {
      const row: RawNextReply = { ticketId: n.ticket_id, breached: n.breached, day: n.day };
      result.get(n.ticket_id)?.nextReplies.push(row);
    }
    return result;
  }

  // --- ledger ----------------------------------------------------------------------------------

  /** The stored facts of the given tickets, locked for this fold. */
  async loadLedger(tx: EntityManager, ids: string[]): Promise<Map<string, TicketFacts>> {
    const result = new Map<string, TicketFacts>();
    if (ids.length === 0) return result;
    const rows = await sql<{ ticket_id: string; facts: TicketFacts }>(
      tx,
      `SELECT ticket_id, facts FROM analytics_ticket_ledger WHERE ticket_id = ANY($1::uuid[]) FOR UPDATE`,
      [ids],
    );
    for (const r of rows) result.set(r.ticket_id, r.facts);
    return result;
  }

  async saveLedger(tx: EntityManager, entries: LedgerEntry[]): Promise<void> {
    const gone = entries.filter((e) => e.facts === null || e.ticket === null).map((e) => e.ticketId);
    const kept = entries.flatMap((e) =>
      e.facts && e.ticket
        ? [
            {
              ticket_id: e.ticketId,
              customer_id: e.ticket.customerId,
              created_at: e.ticket.createdAt.toISOString(),
              category: e.ticket.category,
              repeat: e.ticket.repeat,
              days: e.days,
              facts: e.facts,
            },
          ]
        : [],
    );
    if (gone.length > 0)
      await tx.query(`DELETE FROM analytics_ticket_ledger WHERE ticket_id = ANY($1::uuid[])`, [gone]);
    if (kept.length > 0) {
      await tx.query(
        `INSERT INTO analytics_ticket_ledger AS l (ticket_id, customer_id, created_at, category, repeat, days, facts)
         SELECT x.ticket_id, x.customer_id, x.created_at, x.category, x.repeat, x.days, x.facts
           FROM jsonb_to_recordset($1::jsonb) AS x(ticket_id uuid, customer_id uuid, created_at timestamptz,
                category text, repeat boolean, days date[], facts jsonb)
         ON CONFLICT (ticket_id) DO UPDATE SET customer_id = excluded.customer_id, created_at = excluded.created_at,
           category = excluded.category, repeat = excluded.repeat, days = excluded.days, facts = excluded.facts,
           updated_at = now()`,
        [JSON.stringify(kept)],
      );
    }
  }

  async clearAll(tx: EntityManager): Promise<void> {
    await tx.query(
      `TRUNCATE analytics_segment_daily, analytics_segment_open, analytics_agent_daily, analytics_ticket_ledger`,
    );
  }

  /**
   * Live tickets after a (created_at, id) position, in creation order (a full rebuild walks
   * them, so each batch touches the rollup rows of a few days only).
   */
  async ticketsAfter(
    after: { createdAt: Date; id: string } | null,
    limit: number,
  ): Promise<Array<{ id: string; createdAt: Date }>> {
    const rows = await sql<{ id: string; created_at: Date }>(
      this.db,
      after
        ? `SELECT id, created_at FROM tickets WHERE deleted_at IS NULL AND (created_at, id) > ($1, $2::uuid)
            ORDER BY created_at, id LIMIT $3`
        : `SELECT id, created_at FROM tickets WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT $1`,
      after ? [after.createdAt, after.id, limit] : [limit],
    );
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
  }

  /**
   * Tickets that may contribute to `day` (a superset is harmless): written to since the day
   * began, created, moved, accepted or decided on it, breached on it, or recorded against it.
   */
  async ticketsTouching(tx: EntityManager, dayStart: Date, dayEnd: Date, dayText: string): Promise<string[]> {
    const rows = await sql<{ id: string }>(
      tx,
      `SELECT id FROM tickets WHERE deleted_at IS NULL AND updated_at >= $1
       UNION SELECT ticket_id FROM ticket_status_changes WHERE created_at >= $1 AND created_at < $2
       UNION SELECT ticket_id FROM ticket_assignments WHERE assigned_at >= $1 AND assigned_at < $2
       UNION SELECT ticket_id FROM ticket_assignments WHERE accepted_at >= $1 AND accepted_at < $2
       UNION SELECT ticket_id FROM ticket_slas WHERE first_response_decided_at >= $1 AND first_response_decided_at < $2
       UNION SELECT ticket_id FROM ticket_slas WHERE resolution_decided_at >= $1 AND resolution_decided_at < $2
       UNION SELECT ticket_id FROM sla_alerts WHERE kind = 'breach' AND occurred_at >= $1 AND occurred_at < $2
       UNION SELECT ticket_id FROM analytics_ticket_ledger WHERE days @> ARRAY[$3::date]`,
      [dayStart, dayEnd, dayText],
    );
    return rows.map((r) => r.id);
  }

  // --- rollups ---------------------------------------------------------------------------------

  /** Adds deltas to the rollup rows (creating them as needed). Histograms add bucket by bucket. */
  async applyDeltas(tx: EntityManager, deltas: RollupDelta[]): Promise<void> {
    const segments = deltas.filter((d): d is SegmentDelta => d.kind === 'segment');
    const agents = deltas.filter((d): d is AgentDelta => d.kind === 'agent');
    if (segments.length > 0) await this.upsertSegments(tx, segments, 'add');
    if (agents.length > 0) await this.upsertAgents(tx, agents, 'add');
    await this.addOpen(tx, openChanges(segments));
  }

  /** Moves the backlog-now totals (`analytics_segment_open`) by the given amounts. */
  private async addOpen(tx: EntityManager, changes: Map<string, number>): Promise<void> {
    const rows = [...changes]
      .filter(([, n]) => n !== 0)
      .map(([key, n]) => {
        const [dimension, value] = JSON.parse(key) as [string, string];
        return { dimension, value, n };
      });
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO analytics_segment_open AS o (dimension, value, open)
       SELECT x.dimension, x.value, x.n FROM jsonb_to_recordset($1::jsonb) AS x(dimension text, value text, n int)
       ON CONFLICT (dimension, value) DO UPDATE SET open = o.open + excluded.open`,
      [JSON.stringify(rows)],
    );
  }

  /** Replaces every rollup row of a day with the given totals (online time is recomputed after). */
  async replaceDay(tx: EntityManager, dayText: string, rows: RollupDelta[]): Promise<void> {
    const old = await sql<{ dimension: string; value: string; open_delta: number }>(
      tx,
      `DELETE FROM analytics_segment_daily WHERE day = $1 RETURNING dimension, value, open_delta`,
      [dayText],
    );
    await tx.query(`DELETE FROM analytics_agent_daily WHERE day = $1`, [dayText]);
    const segments = rows.filter((d): d is SegmentDelta => d.kind === 'segment');
    const agents = rows.filter((d): d is AgentDelta => d.kind === 'agent');
    if (segments.length > 0) await this.upsertSegments(tx, segments, 'set');
    if (agents.length > 0) await this.upsertAgents(tx, agents, 'set');
    // The backlog-now totals follow the day's new net change.
    const change = openChanges(segments);
    for (const r of old) {
      const key = JSON.stringify([r.dimension, r.value]);
      change.set(key, (change.get(key) ?? 0) - r.open_delta);
    }
    await this.addOpen(tx, change);
  }

  /**
   * Rewrites the rollup tables in day order (after a full rebuild, whose batches updated rows
   * many times over): a range of days then reads neighbouring pages, as it does when rows are
   * appended day by day.
   */
  async compact(tx: EntityManager): Promise<void> {
    for (const [table, order] of [
      ['analytics_segment_daily', 'day, dimension, value'],
      ['analytics_agent_daily', 'day, agent_id'],
    ] as const) {
      await tx.query(
        `CREATE TEMP TABLE analytics_compact ON COMMIT DROP AS SELECT * FROM ${table} ORDER BY ${order}`,
      );
      await tx.query(`TRUNCATE ${table}`);
      await tx.query(`INSERT INTO ${table} SELECT * FROM analytics_compact ORDER BY ${order}`);
      await tx.query(`DROP TABLE analytics_compact`);
    }
  }

  private async upsertSegments(tx: EntityManager, rows: SegmentDelta[], mode: 'add' | 'set'): Promise<void> {
    const counters = segmentCounters.map(columnOf);
    const payload = rows.map((r) => ({
      dimension: r.dimension,
      value: r.value,
      day: r.day,
      ...Object.fromEntries(segmentCounters.map((c) => [columnOf(c), r.counters[c] ?? 0])),
      first_response_hist: r.firstResponseHist,
      resolution_hist: r.resolutionHist,
    }));
    await tx.query(
      upsertSql({
        table: 'analytics_segment_daily',
        keys: [
          ['dimension', 'text'],
          ['value', 'text'],
          ['day', 'date'],
        ],
        counters,
        mode,
      }),
      [JSON.stringify(payload)],
    );
  }

  private async upsertAgents(tx: EntityManager, rows: AgentDelta[], mode: 'add' | 'set'): Promise<void> {
    const counters = agentCounters.map(columnOf);
    const payload = rows.map((r) => ({
      agent_id: r.agentId,
      day: r.day,
      ...Object.fromEntries(agentCounters.map((c) => [columnOf(c), r.counters[c] ?? 0])),
      first_response_hist: r.firstResponseHist,
      resolution_hist: r.resolutionHist,
    }));
    await tx.query(
      upsertSql({
        table: 'analytics_agent_daily',
        keys: [
          ['agent_id', 'uuid'],
          ['day', 'date'],
        ],
        counters,
        mode,
      }),
      [JSON.stringify(payload)],
    );
  }

  // --- presence --------------------------------------------------------------------------------

  /**
   * Brings an agent's open status interval in line with their stored status: the open interval
   * (if any) ends at `at` and one for the current status starts (offline has none). Serialised
   * per agent, and idempotent: a late or repeated call finds nothing to do.
   */
  async syncStatusInterval(agentId: string, at: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('analytics-agent-status'), hashtext($1))`, [
        agentId,
      ]);
      const [agent] = await sql<{ status: AgentStatus; active: boolean }>(
        tx,
        `SELECT status, active FROM agents WHERE id = $1`,
        [agentId],
      );
      if (!agent) return false;
      const current = agent.active && agent.status !== 'offline' ? agent.status : null;
      const [open] = await sql<{ id: string; status: AgentStatus }>(
        tx,
        `SELECT id, status FROM analytics_agent_status_intervals WHERE agent_id = $1 AND ended_at IS NULL FOR UPDATE`,
        [agentId],
      );
      if ((open?.status ?? null) === current) return false;
      if (open) {
        await tx.query(
          `UPDATE analytics_agent_status_intervals SET ended_at = greatest(started_at, $2), updated_at = now()
            WHERE id = $1`,
          [open.id, at],
        );
      }
      if (current) {
        await tx.query(
          `INSERT INTO analytics_agent_status_intervals (agent_id, status, started_at)
           SELECT $1, $2, greatest($3::timestamptz, coalesce(max(ended_at), $3::timestamptz))
             FROM analytics_agent_status_intervals WHERE agent_id = $1`,
          [agentId, current, at],
        );
      }
      return true;
    });
  }

  /** Agents whose open interval does not match their status (a lost event, a crash). */
  async agentsOutOfStep(): Promise<string[]> {
    const rows = await sql<{ id: string }>(
      this.db,
      `SELECT a.id FROM agents a
         LEFT JOIN analytics_agent_status_intervals i ON i.agent_id = a.id AND i.ended_at IS NULL
        WHERE i.status IS DISTINCT FROM (CASE WHEN a.active AND a.status <> 'offline' THEN a.status END)`,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Recomputes online time (online or busy) for every (agent, day) that an interval changed
   * since `since`, or still open at `now`, touches; returns how many agent-days changed.
   */
  async recomputeOnline(tx: EntityManager, timezone: string, now: Date, since: Date | null): Promise<number> {
    await noJit(tx);
    const rows = await sql<{ n: number }>(
      tx,
      `WITH changed AS (
         SELECT agent_id, started_at, greatest(started_at, coalesce(ended_at, $3)) AS ended_at
           FROM analytics_agent_status_intervals
          WHERE ended_at IS NULL OR updated_at >= $1
       ), pairs AS (
         SELECT DISTINCT c.agent_id, d::date AS day
           FROM changed c, generate_series((c.started_at AT TIME ZONE $2::text)::date,
                                           (c.ended_at AT TIME ZONE $2::text)::date, interval '1 day') d
       ), ${onlineUpsert('$2', '$3::timestamptz')}
       SELECT count(*)::int AS n FROM written`,
      [since ?? new Date(0), timezone, now],
    );
    return rows[0]?.n ?? 0;
  }

  /** Recomputes online time of every agent for one day (the nightly recompute). */
  async recomputeOnlineDay(
    tx: EntityManager,
    timezone: string,
    now: Date,
    dayText: string,
    dayStart: Date,
    dayEnd: Date,
  ): Promise<void> {
    await noJit(tx);
    await tx.query(
      `WITH pairs AS (
         SELECT DISTINCT agent_id, $3::date AS day FROM analytics_agent_status_intervals
          WHERE coalesce(ended_at, 'infinity'::timestamptz) > $4 AND started_at < $5
       ), ${onlineUpsert('$1', '$2::timestamptz')}
       SELECT 1`,
      [timezone, now, dayText, dayStart, dayEnd],
    );
  }

  /** Every (agent, day) any interval touches (a full rebuild). */
  recomputeAllOnline(tx: EntityManager, timezone: string, now: Date): Promise<number> {
    return this.recomputeOnline(tx, timezone, now, new Date(0));
  }

  // --- job state -------------------------------------------------------------------------------

  async getState(key: string, db: Db = this.db): Promise<Date | null> {
    const [row] = await sql<{ at: Date }>(db, `SELECT at FROM analytics_state WHERE key = $1`, [key]);
    return row?.at ?? null;
  }

  async setState(db: Db, key: string, at: Date | 'now'): Promise<Date> {
    const [row] = await sql<{ at: Date }>(
      db,
      `INSERT INTO analytics_state (key, at) VALUES ($1, coalesce($2::timestamptz, now()))
       ON CONFLICT (key) DO UPDATE SET at = excluded.at RETURNING at`,
      [key, at === 'now' ? null : at],
    );
    return row?.at ?? new Date();
  }
}

/**
 * CTEs that write online seconds for the (agent_id, day) pairs of a `pairs` CTE: each agent's
 * online/busy intervals overlapping those days (found through the end-time index), cut into local
 * days and summed. Ends with a `written` CTE of the rows that changed. `tz` and `now` name the
 * parameters holding the time zone and the current time.
 */
function onlineUpsert(tz: string, now: string): string {
  const start = (d: string) => `(${d}::timestamp AT TIME ZONE ${tz}::text)`;
  return `bounds AS (
      SELECT agent_id, min(day) AS d0, max(day) AS d1 FROM pairs GROUP BY agent_id
    ), iv AS (
      SELECT i.agent_id, i.started_at, greatest(i.started_at, coalesce(i.ended_at, ${now})) AS ended_at
        FROM bounds b
        JOIN analytics_agent_status_intervals i ON i.agent_id = b.agent_id
       WHERE coalesce(i.ended_at, 'infinity'::timestamptz) > ${start('b.d0')}
         AND i.started_at < ${start('(b.d1 + 1)')} AND i.status IN ('online','busy')
    ), pieces AS (
      SELECT iv.agent_id, d::date AS day,
             greatest(0, extract(epoch FROM least(iv.ended_at, ${start('(d::date + 1)')})
                                          - greatest(iv.started_at, ${start('d::date')}))) AS s
        FROM iv, generate_series((iv.started_at AT TIME ZONE ${tz}::text)::date,
                                 (iv.ended_at AT TIME ZONE ${tz}::text)::date, interval '1 day') d
    ), sums AS (
      SELECT agent_id, day, round(sum(s))::int AS s FROM pieces GROUP BY agent_id, day
    ), written AS (
      INSERT INTO analytics_agent_daily AS a (agent_id, day, online_seconds)
      SELECT p.agent_id, p.day, coalesce(x.s, 0) FROM pairs p
        LEFT JOIN sums x ON x.agent_id = p.agent_id AND x.day = p.day
      ON CONFLICT (agent_id, day) DO UPDATE SET online_seconds = excluded.online_seconds, updated_at = now()
        WHERE a.online_seconds IS DISTINCT FROM excluded.online_seconds
      RETURNING 1
    )`;
}

/**
 * generate_series makes the planner guess 1,000 days per interval, which prices these small
 * statements high enough to JIT-compile them: seconds of compilation for milliseconds of work.
 */
async function noJit(tx: EntityManager): Promise<void> {
  await tx.query(`SET LOCAL jit = off`);
}

/** Net backlog change by (dimension, value) of segment deltas. */
function openChanges(segments: SegmentDelta[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const r of segments) {
    const n = r.counters.openDelta ?? 0;
    if (n === 0) continue;
    const key = JSON.stringify([r.dimension, r.value]);
    result.set(key, (result.get(key) ?? 0) + n);
  }
  return result;
}

function upsertSql(o: {
  table: string;
  keys: Array<[string, string]>;
  counters: string[];
  mode: 'add' | 'set';
}): string {
  const hists = ['first_response_hist', 'resolution_hist'];
  const columns = [...o.keys.map(([k]) => k), ...o.counters, ...hists];
  const types = [
    ...o.keys.map(([k, t]) => `${k} ${t}`),
    ...o.counters.map((c) => `${c} ${c.endsWith('_ms') ? 'bigint' : 'int'}`),
    ...hists.map((h) => `${h} jsonb`),
  ];
  const update =
    o.mode === 'add'
      ? [
          ...o.counters.map((c) => `${c} = r.${c} + excluded.${c}`),
          ...hists.map((h) => `${h} = analytics_hist_add(r.${h}, excluded.${h})`),
        ]
      : [...o.counters, ...hists].map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${o.table} AS r (${columns.join(', ')})
    SELECT ${columns.map((c) => `x.${c}`).join(', ')}
      FROM jsonb_to_recordset($1::jsonb) AS x(${types.join(', ')})
    ON CONFLICT (${o.keys.map(([k]) => k).join(', ')}) DO UPDATE SET ${update.join(', ')}, updated_at = now()`;
}
