import type { DataSource, EntityManager } from 'typeorm';
import { sql } from '../../platform/db/sql';
import type { Page } from '../../platform/http/common.schemas';
import { decodeCursor, pageOf } from '../../platform/http/cursor';
import type { TicketPriority } from '../tickets/ticket.types';
import type { BusinessHours } from './business-clock';
import type { SlaClock, SlaOutcome, SlaTarget, SlaTracker, SlaTerms } from './sla-tracker';
import { nextCheckAt } from './sla-tracker';
import type {
  BreachOutcome,
  ClockMarks,
  DashboardRow,
  DueClockRow,
  NewAlert,
  SlaAtRiskRecord,
  SlaBreachRecord,
  SlaPolicyEntity,
  SlaPolicyFields,
  SlaPolicyVersion,
} from './sla.types';

type Db = DataSource | EntityManager;

interface PolicyRow {
  id: string;
  name: string;
  priority: TicketPriority;
  first_response_minutes: number;
  resolution_minutes: number;
  next_reply_minutes: number | null;
  business_hours: BusinessHours | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const POLICY_COLUMNS = `p.id, p.name, p.priority, p.first_response_minutes, p.resolution_minutes,
  p.next_reply_minutes, p.business_hours, p.version, p.created_at, p.updated_at`;

const toPolicy = (r: PolicyRow): SlaPolicyEntity => ({
  id: r.id,
  name: r.name,
  priority: r.priority,
  firstResponseMinutes: r.first_response_minutes,
  resolutionMinutes: r.resolution_minutes,
  nextReplyMinutes: r.next_reply_minutes,
  businessHours: r.business_hours,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface VersionRow {
  id: string;
  policy_id: string;
  version: number;
  priority: TicketPriority;
  first_response_minutes: number;
  resolution_minutes: number;
  next_reply_minutes: number | null;
  business_hours: BusinessHours | null;
}

const VERSION_COLUMNS = `v.id, v.policy_id, v.version, v.priority, v.first_response_minutes, v.resolution_minutes,
  v.next_reply_minutes, v.business_hours`;

const toVersion = (r: VersionRow): SlaPolicyVersion => ({
  id: r.id,
  policyId: r.policy_id,
  version: r.version,
  priority: r.priority,
  firstResponseMinutes: r.first_response_minutes,
  resolutionMinutes: r.resolution_minutes,
  nextReplyMinutes: r.next_reply_minutes,
  businessHours: r.business_hours,
});

/** A clock as stored; exported with its columns and mapper for checks that read clocks in bulk. */
export interface ClockRow {
  id: string;
  ticket_id: string;
  target: SlaTarget;
  cycle: number;
  policy_version_id: string;
  started_at: Date;
  target_minutes: number;
  paused_ms: string;
  extension_ms: string;
  due_at: Date;
  state: SlaClock['state'];
  ended_at: Date | null;
  stop_reason: SlaClock['stopReason'];
  warned_at: Date | null;
  breached_at: Date | null;
  current: boolean;
}

export const CLOCK_COLUMNS = `c.id, c.ticket_id, c.target, c.cycle, c.policy_version_id, c.started_at, c.target_minutes,
  c.paused_ms, c.extension_ms, c.due_at, c.state, c.ended_at, c.stop_reason, c.warned_at, c.breached_at, c.current`;

export const toClock = (r: ClockRow): SlaClock => ({
  id: r.id,
  target: r.target,
  cycle: r.cycle,
  versionId: r.policy_version_id,
  startedAt: r.started_at,
  targetMinutes: r.target_minutes,
  pausedMs: Number(r.paused_ms),
  extensionMs: Number(r.extension_ms),
  dueAt: r.due_at,
  state: r.state,
  endedAt: r.ended_at,
  stopReason: r.stop_reason,
  warnedAt: r.warned_at,
  breachedAt: r.breached_at,
  current: r.current,
});

interface TrackerRow {
  ticket_id: string;
  policy_id: string | null;
  policy_version_id: string | null;
  priority: TicketPriority;
  started_at: Date;
  paused_at: Date | null;
  paused_ms: string;
  first_response_ms: string | null;
  first_response_breached: boolean;
  first_response_decided_at: Date | null;
  resolution_ms: string | null;
  resolution_breached: boolean;
  resolution_decided_at: Date | null;
}

const TRACKER_COLUMNS = `s.ticket_id, s.policy_id, s.policy_version_id, s.priority, s.started_at, s.paused_at, s.paused_ms,
  s.first_response_ms, s.first_response_breached, s.first_response_decided_at,
  s.resolution_ms, s.resolution_breached, s.resolution_decided_at`;

const outcome = (ms: string | null, breached: boolean, decidedAt: Date | null): SlaOutcome => ({
  elapsedMs: ms === null ? null : Number(ms),
  breached,
  decidedAt,
});

/** A tracker as stored, before its policy version is turned into terms. */
export interface StoredTracker {
  versionId: string | null;
  priority: TicketPriority;
  build(terms: SlaTerms | null): SlaTracker;
}

function toStored(r: TrackerRow, clocks: SlaClock[]): StoredTracker {
  return {
    versionId: r.policy_version_id,
    priority: r.priority,
    build: (terms) => ({
      ticketId: r.ticket_id,
      terms,
      startedAt: r.started_at,
      pausedAt: r.paused_at,
      pausedMs: Number(r.paused_ms),
      clocks,
      firstResponse: outcome(r.first_response_ms, r.first_response_breached, r.first_response_decided_at),
      resolution: outcome(r.resolution_ms, r.resolution_breached, r.resolution_decided_at),
    }),
  };
}

export class SlaRepository {
  constructor(private readonly db: DataSource) {}

  // -------------------------------------------------------------------------------------------
  // Policies

  async listPolicies(): Promise<SlaPolicyEntity[]> {
    const rows = await sql<PolicyRow>(
      this.db,
      `SELECT ${POLICY_COLUMNS} FROM sla_policies p WHERE p.deleted_at IS NULL
        ORDER BY CASE p.priority WHEN 'urgent' THEN 1 WHEN 'high' THEN 2 WHEN 'normal' THEN 3 ELSE 4 END`,
    );
    return rows.map(toPolicy);
  }

  async findPolicy(id: string, tx?: EntityManager, lock = false): Promise<SlaPolicyEntity | null> {
    const rows = await sql<PolicyRow>(
      tx ?? this.db,
      `SELECT ${POLICY_COLUMNS} FROM sla_policies p WHERE p.id = $1 AND p.deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  async insertPolicy(tx: EntityManager, p: SlaPolicyFields): Promise<SlaPolicyEntity> {
    const rows = await sql<PolicyRow>(
      tx,
      `INSERT INTO sla_policies AS p (name, priority, first_response_minutes, resolution_minutes, next_reply_minutes, business_hours)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${POLICY_COLUMNS}`,
      [
        p.name,
        p.priority,
        p.firstResponseMinutes,
        p.resolutionMinutes,
        p.nextReplyMinutes,
        p.businessHours ? JSON.stringify(p.businessHours) : null,
      ],
    );
    const policy = toPolicy(rows[0] as PolicyRow);
    await this.insertVersion(tx, policy);
    return policy;
  }

  /** Writes the policy's new values and a new version of it. */
  async updatePolicy(tx: EntityManager, id: string, p: SlaPolicyFields): Promise<SlaPolicyEntity> {
    const rows = await sql<PolicyRow>(
      tx,
      `UPDATE sla_policies p SET name = $2, priority = $3, first_response_minutes = $4, resolution_minutes = $5,
              next_reply_minutes = $6, business_hours = $7, version = version + 1, updated_at = now()
        WHERE p.id = $1 RETURNING ${POLICY_COLUMNS}`,
      [
        id,
        p.name,
        p.priority,
        p.firstResponseMinutes,
        p.resolutionMinutes,
        p.nextReplyMinutes,
        p.businessHours ? JSON.stringify(p.businessHours) : null,
      ],
    );
    const policy = toPolicy(rows[0] as PolicyRow);
    await this.insertVersion(tx, policy);
    return policy;
  }

  private async insertVersion(tx: EntityManager, p: SlaPolicyEntity): Promise<void> {
    await tx.query(
      `INSERT INTO sla_policy_versions (policy_id, version, priority, first_response_minutes, resolution_minutes,
         next_reply_minutes, business_hours) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        p.id,
        p.version,
        p.priority,
        p.firstResponseMinutes,
        p.resolutionMinutes,
        p.nextReplyMinutes,
        p.businessHours ? JSON.stringify(p.businessHours) : null,
      ],
    );
  }

  async softDeletePolicy(id: string): Promise<boolean> {
    const rows = await sql<{ id: string }>(
      this.db,
      `UPDATE sla_policies SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** The version in force for a priority (the live policy's latest version). */
  async currentVersion(tx: Db, priority: TicketPriority): Promise<SlaPolicyVersion | null> {
    const rows = await sql<VersionRow>(
      tx,
      `SELECT ${VERSION_COLUMNS} FROM sla_policies p
         JOIN sla_policy_versions v ON v.policy_id = p.id AND v.version = p.version
        WHERE p.priority = $1 AND p.deleted_at IS NULL`,
      [priority],
    );
    return rows[0] ? toVersion(rows[0]) : null;
  }

  async versionsByIds(ids: string[]): Promise<SlaPolicyVersion[]> {
    if (ids.length === 0) return [];
    const rows = await sql<VersionRow>(
      this.db,
      `SELECT ${VERSION_COLUMNS} FROM sla_policy_versions v WHERE v.id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toVersion);
  }

  // -------------------------------------------------------------------------------------------
  // Trackers (inside the ticket's transaction)

  /**
   * Loads a ticket's tracker for writing. Clock rows are locked first, then the tracker row, the
   * same order as the monitor, so the two never deadlock and neither overwrites the other.
   */
  async loadForUpdate(tx: EntityManager, ticketId: string): Promise<StoredTracker | null> {
    const clocks = await sql<ClockRow>(
      tx,
      `SELECT ${CLOCK_COLUMNS} FROM sla_clocks c WHERE c.ticket_id = $1 AND c.current ORDER BY c.target FOR UPDATE`,
      [ticketId],
    );
    const rows = await sql<TrackerRow>(
      tx,
      `SELECT ${TRACKER_COLUMNS} FROM ticket_slas s WHERE s.ticket_id = $1 FOR UPDATE`,
      [ticketId],
    );
    return rows[0] ? toStored(rows[0], clocks.map(toClock)) : null;
  }

  /** Saves a tracker, its clocks (with their next monitor check) and the ticket's next due time. */
  async save(
    tx: EntityManager,
    tr: SlaTracker,
    priority: TicketPriority,
    warningMs: number,
    ticketDueAt: Date | null,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ticket_slas (ticket_id, policy_id, policy_version_id, priority, started_at, paused_at, paused_ms,
         first_response_ms, first_response_breached, first_response_decided_at,
         resolution_ms, resolution_breached, resolution_decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (ticket_id) DO UPDATE SET policy_id = excluded.policy_id,
         policy_version_id = excluded.policy_version_id, priority = excluded.priority,
         started_at = excluded.started_at, paused_at = excluded.paused_at, paused_ms = excluded.paused_ms,
         first_response_ms = excluded.first_response_ms, first_response_breached = excluded.first_response_breached,
         first_response_decided_at = excluded.first_response_decided_at, resolution_ms = excluded.resolution_ms,
         resolution_breached = excluded.resolution_breached, resolution_decided_at = excluded.resolution_decided_at,
         updated_at = now()`,
      [
        tr.ticketId,
        tr.terms?.policyId ?? null,
        tr.terms?.versionId ?? null,
        priority,
        tr.startedAt,
        tr.pausedAt,
        Math.round(tr.pausedMs),
        tr.firstResponse.elapsedMs === null ? null : Math.round(tr.firstResponse.elapsedMs),
        tr.firstResponse.breached,
        tr.firstResponse.decidedAt,
        tr.resolution.elapsedMs === null ? null : Math.round(tr.resolution.elapsedMs),
        tr.resolution.breached,
        tr.resolution.decidedAt,
      ],
    );
    if (tr.clocks.length > 0) {
      const clocks = tr.clocks.map((c) => ({
        id: c.id,
        target: c.target,
        cycle: c.cycle,
        policy_version_id: c.versionId,
        started_at: c.startedAt,
        target_minutes: c.targetMinutes,
        paused_ms: Math.round(c.pausedMs),
        extension_ms: Math.round(c.extensionMs),
        due_at: c.dueAt,
        state: c.state,
        ended_at: c.endedAt,
        stop_reason: c.stopReason,
        warned_at: c.warnedAt,
        breached_at: c.breachedAt,
        current: c.current,
        check_at: nextCheckAt(tr, c, warningMs),
      }));
      await tx.query(
        `INSERT INTO sla_clocks (id, ticket_id, target, cycle, policy_version_id, started_at, target_minutes, paused_ms,
           extension_ms, due_at, state, ended_at, stop_reason, warned_at, breached_at, current, check_at)
         SELECT x.id, $1, x.target, x.cycle, x.policy_version_id, x.started_at, x.target_minutes, x.paused_ms,
                x.extension_ms, x.due_at, x.state, x.ended_at, x.stop_reason, x.warned_at, x.breached_at, x.current, x.check_at
           FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, target text, cycle int, policy_version_id uuid,
                started_at timestamptz, target_minutes int, paused_ms bigint, extension_ms bigint, due_at timestamptz,
                state text, ended_at timestamptz, stop_reason text, warned_at timestamptz, breached_at timestamptz,
                current boolean, check_at timestamptz)
         ON CONFLICT (ticket_id, target, cycle) DO UPDATE SET policy_version_id = excluded.policy_version_id,
           target_minutes = excluded.target_minutes, paused_ms = excluded.paused_ms,
           extension_ms = excluded.extension_ms, due_at = excluded.due_at, state = excluded.state,
           ended_at = excluded.ended_at, stop_reason = excluded.stop_reason, warned_at = excluded.warned_at,
           breached_at = excluded.breached_at, current = excluded.current, check_at = excluded.check_at,
           updated_at = now()`,
        [tr.ticketId, JSON.stringify(clocks)],
      );
    }
    await tx.query(`UPDATE tickets SET sla_due_at = $2 WHERE id = $1 AND sla_due_at IS DISTINCT FROM $2`, [
      tr.ticketId,
      ticketDueAt,
    ]);
  }

  /** Trackers of several tickets, for reads (no locks). */
  async findTrackers(ticketIds: string[]): Promise<Map<string, StoredTracker>> {
    const result = new Map<string, StoredTracker>();
    if (ticketIds.length === 0) return result;
    const [rows, clockRows] = await Promise.all([
      this.db.query(`SELECT ${TRACKER_COLUMNS} FROM ticket_slas s WHERE s.ticket_id = ANY($1::uuid[])`, [
        ticketIds,
      ]) as Promise<TrackerRow[]>,
      this.db.query(
        `SELECT ${CLOCK_COLUMNS} FROM sla_clocks c WHERE c.ticket_id = ANY($1::uuid[]) AND c.current ORDER BY c.target`,
        [ticketIds],
      ) as Promise<ClockRow[]>,
    ]);
    const clocksByTicket = new Map<string, SlaClock[]>();
    for (const r of clockRows) {
      const list = clocksByTicket.get(r.ticket_id) ?? [];
      list.push(toClock(r));
      clocksByTicket.set(r.ticket_id, list);
    }
    for (const r of rows) result.set(r.ticket_id, toStored(r, clocksByTicket.get(r.ticket_id) ?? []));
    return result;
  }

  /** A deleted ticket's clocks need no more checks. */
  async stopChecks(ticketId: string): Promise<void> {
    await this.db.query(
      `UPDATE sla_clocks SET check_at = NULL WHERE ticket_id = $1 AND check_at IS NOT NULL`,
      [ticketId],
    );
  }

  // -------------------------------------------------------------------------------------------
  // Monitor

  /**
   * Locks the clocks whose next check has come, oldest first, and reads what the monitor needs
   * about their tickets. Rows another transaction holds (a ticket being written, another monitor)
   * are skipped: they are picked up on a later pass.
   *
   * Two statements, on purpose. The first locks clock rows alone, straight off the partial
   * `check_at` index, so its cost follows the batch and not the tables it would join. The second
   * reads the trackers and tickets with a snapshot taken *after* the locks are held: a ticket
   * writer locks its clocks before its tracker, so any pause or resume of these tickets has
   * either committed by now (and is seen here) or waits for this transaction. Read in the same
   * statement as the lock, `paused_at` would be as of that statement's start, and a clock paused
   * meanwhile would be judged with a stale pause.
   */
  async lockDueClocks(tx: EntityManager, now: Date, limit: number): Promise<DueClockRow[]> {
    const clocks = await sql<ClockRow>(
      tx,
      `SELECT ${CLOCK_COLUMNS}
         FROM sla_clocks c
        WHERE c.check_at IS NOT NULL AND c.check_at < $1
        ORDER BY c.check_at
        LIMIT $2
        FOR UPDATE OF c SKIP LOCKED`,
      [now, limit],
    );
    if (clocks.length === 0) return [];
    const tickets = await sql<{
      ticket_id: string;
      paused_at: Date | null;
      assignee_id: string | null;
      deleted: boolean;
    }>(
      tx,
      `SELECT s.ticket_id, s.paused_at, t.assignee_id, (t.deleted_at IS NOT NULL) AS deleted
         FROM ticket_slas s JOIN tickets t ON t.id = s.ticket_id
        WHERE s.ticket_id = ANY($1::uuid[])`,
      [[...new Set(clocks.map((c) => c.ticket_id))]],
    );
    const byTicket = new Map(tickets.map((t) => [t.ticket_id, t]));
    const result: DueClockRow[] = [];
    for (const r of clocks) {
      // Every clock has a tracker (both are written together); one without is left as it was.
      const t = byTicket.get(r.ticket_id);
      if (!t) continue;
      result.push({
        clock: toClock(r),
        ticketId: r.ticket_id,
        pausedAt: t.paused_at,
        assigneeId: t.assignee_id,
        ticketDeleted: t.deleted,
      });
    }
    return result;
  }

  /**
   * Records alerts in one statement and returns those it inserted; an alert already recorded
   * (by this or another worker) is left out, so the caller publishes each one exactly once.
   */
  async insertAlerts<A extends NewAlert>(tx: EntityManager, alerts: A[]): Promise<A[]> {
    if (alerts.length === 0) return [];
    const rows = await sql<{ clock_id: string; kind: string }>(
      tx,
      `INSERT INTO sla_alerts (clock_id, ticket_id, target, kind, due_at, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])
       ON CONFLICT (clock_id, kind) DO NOTHING RETURNING clock_id, kind`,
      [
        alerts.map((a) => a.clockId),
        alerts.map((a) => a.ticketId),
        alerts.map((a) => a.target),
        alerts.map((a) => a.kind),
        alerts.map((a) => a.dueAt),
        alerts.map((a) => a.occurredAt),
      ],
    );
    const inserted = new Set(rows.map((r) => `${r.clock_id}:${r.kind}`));
    return alerts.filter((a) => inserted.has(`${a.clockId}:${a.kind}`));
  }

  /** Writes the monitor's marks and next check times of many clocks in one statement. */
  async markClocks(tx: EntityManager, marks: ClockMarks[]): Promise<void> {
    if (marks.length === 0) return;
    await tx.query(
      `UPDATE sla_clocks c SET warned_at = m.warned_at, breached_at = m.breached_at, check_at = m.check_at,
              updated_at = now()
         FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[])
              AS m(id, warned_at, breached_at, check_at)
        WHERE c.id = m.id`,
      [
        marks.map((m) => m.id),
        marks.map((m) => m.warnedAt),
        marks.map((m) => m.breachedAt),
        marks.map((m) => m.checkAt),
      ],
    );
  }

  /**
   * A breach decides the ticket's outcome for that target (reports read it): breached, decided
   * at the latest due time breached. Next-reply clocks have no outcome. One statement, one row
   * per ticket (an UPDATE … FROM meets each target row once, so a ticket's two targets, or two
   * cycles of one, are folded together first).
   */
  async recordBreachOutcomes(tx: EntityManager, breaches: BreachOutcome[]): Promise<void> {
    const byTicket = new Map<string, { fr: Date | null; res: Date | null }>();
    const later = (a: Date | null, b: Date) => (a && a > b ? a : b);
    for (const b of breaches) {
      if (b.target === 'next_reply') continue;
      const o = byTicket.get(b.ticketId) ?? { fr: null, res: null };
      if (b.target === 'first_response') o.fr = later(o.fr, b.dueAt);
      else o.res = later(o.res, b.dueAt);
      byTicket.set(b.ticketId, o);
    }
    if (byTicket.size === 0) return;
    const rows = [...byTicket];
    // greatest() ignores NULLs: a target this batch did not breach keeps its decision.
    await tx.query(
      `UPDATE ticket_slas s
          SET first_response_breached = s.first_response_breached OR b.fr_due IS NOT NULL,
              first_response_decided_at = greatest(s.first_response_decided_at, b.fr_due),
              resolution_breached = s.resolution_breached OR b.res_due IS NOT NULL,
              resolution_decided_at = greatest(s.resolution_decided_at, b.res_due),
              updated_at = now()
         FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS b(ticket_id, fr_due, res_due)
        WHERE s.ticket_id = b.ticket_id`,
      [rows.map(([id]) => id), rows.map(([, o]) => o.fr), rows.map(([, o]) => o.res)],
    );
  }

  // -------------------------------------------------------------------------------------------
  // Reports

  async breaches(q: {
    from: Date;
    to: Date;
    target?: string;
    priority?: string;
    limit: number;
    cursor?: string;
  }): Promise<Page<SlaBreachRecord>> {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = [`a.kind = 'breach'`, `a.occurred_at >= ${p(q.from)}`, `a.occurred_at < ${p(q.to)}`];
    if (q.target) where.push(`a.target = ${p(q.target)}`);
    if (q.priority) where.push(`t.priority = ${p(q.priority)}`);
    if (q.cursor) {
      const [at, id] = decodeCursor(q.cursor, 'sla-breaches', ['timestamp', 'int']);
      where.push(`(a.occurred_at, a.id) < (${p(at)}::timestamptz, ${p(id)}::bigint)`);
    }
    const rows = await sql<{
      id: string;
      ticket_id: string;
      number: string;
      subject: string;
      priority: TicketPriority;
      status: SlaBreachRecord['status'];
      assignee_id: string | null;
      target: SlaTarget;
      due_at: Date;
      occurred_at: Date;
      created_at: Date;
    }>(
      this.db,
      `SELECT a.id, a.ticket_id, t.number, t.subject, t.priority, t.status, t.assignee_id, a.target, a.due_at,
              a.occurred_at, a.created_at
         FROM sla_alerts a JOIN tickets t ON t.id = a.ticket_id AND t.deleted_at IS NULL
        WHERE ${where.join(' AND ')}
        ORDER BY a.occurred_at DESC, a.id DESC
        LIMIT ${p(q.limit + 1)}`,
      params,
    );
    const page = pageOf(rows, q.limit, 'sla-breaches', (r) => [r.occurred_at.toISOString(), Number(r.id)]);
    return {
      nextCursor: page.nextCursor,
      data: page.data.map((r) => ({
        id: String(r.id),
        ticketId: r.ticket_id,
        ticketNumber: Number(r.number),
        subject: r.subject,
        priority: r.priority,
        status: r.status,
        assigneeId: r.assignee_id,
        target: r.target,
        dueAt: r.due_at,
        breachedAt: r.occurred_at,
        recordedAt: r.created_at,
      })),
    };
  }

  /** Running clocks due in `(now, until]`, most urgent first. */
  async atRisk(now: Date, until: Date, limit: number): Promise<SlaAtRiskRecord[]> {
    const rows = await sql<{
      ticket_id: string;
      number: string;
      subject: string;
      priority: TicketPriority;
      status: SlaAtRiskRecord['status'];
      assignee_id: string | null;
      target: SlaTarget;
      due_at: Date;
      policy_version_id: string;
    }>(
      this.db,
      `SELECT c.ticket_id, t.number, t.subject, t.priority, t.status, t.assignee_id, c.target, c.due_at,
              c.policy_version_id
         FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id AND t.deleted_at IS NULL
        WHERE c.state = 'running' AND c.due_at > $1 AND c.due_at <= $2
        ORDER BY c.due_at, c.ticket_id
        LIMIT $3`,
      [now, until, limit],
    );
    return rows.map((r) => ({
      ticketId: r.ticket_id,
      number: Number(r.number),
      subject: r.subject,
      priority: r.priority,
      status: r.status,
      assigneeId: r.assignee_id,
      target: r.target,
      dueAt: r.due_at,
      versionId: r.policy_version_id,
    }));
  }

  /**
   * Dashboard figures by priority: open tickets at risk / breached now (from the ticket's
   * denormalised next due time) and first-response / resolution outcomes decided in the range.
   */
  async dashboard(now: Date, warnUntil: Date, from: Date, to: Date): Promise<DashboardRow[]> {
    const [open, decided] = await Promise.all([
      this.db.query(
        `SELECT t.priority,
                count(*) FILTER (WHERE t.sla_due_at > $1)::int AS at_risk,
                count(*) FILTER (WHERE t.sla_due_at <= $1)::int AS breached
           FROM tickets t
          WHERE t.sla_due_at IS NOT NULL AND t.deleted_at IS NULL AND t.sla_due_at <= $2
          GROUP BY t.priority`,
        [now, warnUntil],
      ) as Promise<Array<{ priority: TicketPriority; at_risk: number; breached: number }>>,
      this.db.query(
        `SELECT s.priority,
                count(*) FILTER (WHERE fr AND NOT s.first_response_breached)::int AS fr_met,
                count(*) FILTER (WHERE fr AND s.first_response_breached)::int AS fr_breached,
                count(*) FILTER (WHERE res AND NOT s.resolution_breached)::int AS res_met,
                count(*) FILTER (WHERE res AND s.resolution_breached)::int AS res_breached
           FROM (
             SELECT s.*, (s.first_response_decided_at >= $1 AND s.first_response_decided_at < $2) AS fr,
                    (s.resolution_decided_at >= $1 AND s.resolution_decided_at < $2) AS res
               FROM ticket_slas s
              WHERE (s.first_response_decided_at >= $1 AND s.first_response_decided_at < $2)
                 OR (s.resolution_decided_at >= $1 AND s.resolution_decided_at < $2)
           ) s
           JOIN tickets t ON t.id = s.ticket_id AND t.deleted_at IS NULL
          GROUP BY s.priority`,
        [from, to],
      ) as Promise<
        Array<{
          priority: TicketPriority;
          fr_met: number;
          fr_breached: number;
          res_met: number;
          res_breached: number;
        }>
      >,
    ]);
    const byPriority = new Map<TicketPriority, DashboardRow>();
    const row = (priority: TicketPriority): DashboardRow => {
      let r = byPriority.get(priority);
      if (!r) {
        r = {
          priority,
          openAtRisk: 0,
          breachedNow: 0,
          firstResponse: { met: 0, breached: 0 },
          resolution: { met: 0, breached: 0 },
        };
        byPriority.set(priority, r);
      }
      return r;
    };
    for (const o of open) Object.assign(row(o.priority), { openAtRisk: o.at_risk, breachedNow: o.breached });
    for (const d of decided) {
      const r = row(d.priority);
      r.firstResponse = { met: d.fr_met, breached: d.fr_breached };
      r.resolution = { met: d.res_met, breached: d.res_breached };
    }
    return [...byPriority.values()];
  }

  /**
   * How many of a customer's live tickets breached any target since a date (churn signals).
   * Deleted tickets do not count, and saying so lets the planner start from the customer's
   * tickets on the partial `tickets_customer_idx` (then `sla_alerts_ticket_idx`) instead of
   * scanning every ticket.
   */
  async breachedTicketCount(customerId: string, since: Date): Promise<number> {
    const rows = await sql<{ n: number }>(
      this.db,
      `SELECT count(DISTINCT a.ticket_id)::int AS n
         FROM sla_alerts a JOIN tickets t ON t.id = a.ticket_id AND t.deleted_at IS NULL
        WHERE t.customer_id = $1 AND a.kind = 'breach' AND a.occurred_at >= $2`,
      [customerId, since],
    );
    return rows[0]?.n ?? 0;
  }
}
