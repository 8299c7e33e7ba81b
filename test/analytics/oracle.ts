import type { DataSource } from 'typeorm';

/**
 * The report figures computed straight from raw rows with plain SQL, written independently of
 * the rollups (no ledger, no histograms, no shared code): what the reports must agree with.
 * Days are local days in `tz`; ranges include both ends.
 */
export interface Timing {
  count: number;
  avgMinutes: number | null;
  p50Minutes: number | null;
  p90Minutes: number | null;
}
export interface SlaCounts {
  firstResponse: { met: number; breached: number };
  nextReply: { met: number; breached: number };
  resolution: { met: number; breached: number };
}

const DONE = `('solved','closed')`;

export class Oracle {
  constructor(
    private readonly db: DataSource,
    private readonly tz: string,
  ) {}

  private local(col: string): string {
    return `(${col} AT TIME ZONE '${this.tz}')::date`;
  }

  private async one<T>(query: string, params: unknown[]): Promise<T> {
    const rows = (await this.db.query(query, params)) as T[];
    return rows[0] as T;
  }

  private async timing(durationsSql: string, params: unknown[]): Promise<Timing> {
    const r = await this.one<{ n: number; avg: number | null; p50: number | null; p90: number | null }>(
      `SELECT count(*)::int AS n, avg(ms)::float8 AS avg,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS p50,
              percentile_disc(0.9) WITHIN GROUP (ORDER BY ms)::float8 AS p90
         FROM (${durationsSql}) d`,
      params,
    );
    const min = (v: number | null) => (v === null ? null : v / 60_000);
    return { count: r.n, avgMinutes: min(r.avg), p50Minutes: min(r.p50), p90Minutes: min(r.p90) };
  }

  /** `AND t.assignee_id …` for a department (or nothing). */
  private teamFilter(department: string | null, params: unknown[]): string {
    if (department === null) return '';
    params.push(department);
    return `AND t.assignee_id IN (SELECT id FROM agents WHERE department = $${params.length})`;
  }

  async team(from: string, to: string, department: string | null = null) {
    const p: unknown[] = [from, to];
    const f = this.teamFilter(department, p);
    const created = await this.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM tickets t WHERE t.deleted_at IS NULL AND ${this.local('t.created_at')} BETWEEN $1 AND $2 ${f}`,
      p,
    );
    const transitions = (into: boolean) =>
      `SELECT (extract(epoch FROM s.created_at - t.created_at) * 1000) AS ms
         FROM ticket_status_changes s JOIN tickets t ON t.id = s.ticket_id AND t.deleted_at IS NULL
        WHERE ${
          into
            ? `s.to_status IN ${DONE} AND coalesce(s.from_status, '') NOT IN ${DONE}`
            : `s.from_status IN ${DONE} AND s.to_status NOT IN ${DONE}`
        }
          AND ${this.local('s.created_at')} BETWEEN $1 AND $2 ${f}`;
    const resolution = await this.timing(transitions(true), p);
    const reopened = await this.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM (${transitions(false)}) x`,
      p,
    );
    const firstResponse = await this.timing(
      `SELECT extract(epoch FROM t.first_responded_at - t.created_at) * 1000 AS ms FROM tickets t
        WHERE t.deleted_at IS NULL AND t.first_responded_at IS NOT NULL
          AND ${this.local('t.first_responded_at')} BETWEEN $1 AND $2 ${f}`,
      p,
    );
    return {
      created: created.n,
      resolved: resolution.count,
      reopened: reopened.n,
      backlog: await this.backlog(to, department),
      firstResponse,
      resolution,
      sla: await this.sla(from, to, f, p),
    };
  }

  /** Open at the end of `to`: live tickets created by then whose latest status by then is not done. */
  async backlog(to: string, department: string | null = null): Promise<number> {
    const p: unknown[] = [to];
    const f = this.teamFilter(department, p);
    const end = `(($1::date + 1)::timestamp AT TIME ZONE '${this.tz}')`;
    const r = await this.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM tickets t
        WHERE t.deleted_at IS NULL AND t.created_at < ${end} ${f}
          AND (SELECT s.to_status FROM ticket_status_changes s WHERE s.ticket_id = t.id AND s.created_at < ${end}
                ORDER BY s.created_at DESC, s.id DESC LIMIT 1) NOT IN ${DONE}`,
      p,
    );
    return r.n;
  }

  /** SLA outcomes decided in the range, for live tickets matching `filter` (over `t`). */
  async sla(from: string, to: string, filter = '', params: unknown[] = [from, to]): Promise<SlaCounts> {
    const target = async (decided: string, breached: string) =>
      this.one<{ met: number; breached: number }>(
        `SELECT count(*) FILTER (WHERE NOT ${breached})::int AS met, count(*) FILTER (WHERE ${breached})::int AS breached
           FROM ticket_slas s JOIN tickets t ON t.id = s.ticket_id AND t.deleted_at IS NULL
          WHERE s.${decided} IS NOT NULL AND ${this.local(`s.${decided}`)} BETWEEN $1 AND $2 ${filter}`,
        params,
      );
    const nextReply = await this.one<{ met: number; breached: number }>(
      `SELECT count(*) FILTER (WHERE NOT late AND c.state = 'met')::int AS met, count(*) FILTER (WHERE late)::int AS breached
         FROM (SELECT c.*, (c.breached_at IS NOT NULL OR (c.state IN ('met','stopped') AND c.ended_at > c.due_at)) AS late
                 FROM sla_clocks c WHERE c.target = 'next_reply' AND c.stop_reason IS DISTINCT FROM 'retargeted') c
         JOIN tickets t ON t.id = c.ticket_id AND t.deleted_at IS NULL
        WHERE ${this.local('CASE WHEN late THEN c.due_at ELSE c.ended_at END')} BETWEEN $1 AND $2 ${filter}`,
      params,
    );
    return {
      firstResponse: await target('first_response_decided_at', 's.first_response_breached'),
      nextReply,
      resolution: await target('resolution_decided_at', 's.resolution_breached'),
    };
  }

  async agent(agentId: string, from: string, to: string) {
    const p = [agentId, from, to];
    const inRange = (col: string) => `${this.local(col)} BETWEEN $2 AND $3`;
    const count = async (where: string, table = 'ticket_assignments a') =>
      (
        await this.one<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table} JOIN tickets t ON t.id = ${table.endsWith(' a') ? 'a' : 'm'}.ticket_id
            AND t.deleted_at IS NULL WHERE ${where}`,
          p,
        )
      ).n;
    const resolution = await this.timing(
      `SELECT extract(epoch FROM a.completed_at - t.created_at) * 1000 AS ms
         FROM ticket_assignments a JOIN tickets t ON t.id = a.ticket_id AND t.deleted_at IS NULL
        WHERE a.agent_id = $1 AND a.completed_at IS NOT NULL AND ${inRange('a.completed_at')}`,
      p,
    );
    const firstResponse = await this.timing(
      `SELECT extract(epoch FROM t.first_responded_at - t.created_at) * 1000 AS ms FROM tickets t
        WHERE t.deleted_at IS NULL AND t.first_responded_at IS NOT NULL AND ${inRange('t.first_responded_at')}
          AND (SELECT m.agent_id FROM messages m WHERE m.ticket_id = t.id AND m.author_type = 'agent' AND NOT m.internal
                ORDER BY m.created_at, m.id LIMIT 1) = $1`,
      p,
    );
    const messages = (internal: boolean) =>
      count(
        `m.agent_id = $1 AND m.author_type = 'agent' AND m.internal = ${internal} AND m.deleted_at IS NULL AND ${inRange('m.created_at')}`,
        'messages m',
      );
    const online = await this.one<{ s: number }>(
      `SELECT coalesce(sum(greatest(0, extract(epoch FROM
                least(coalesce(i.ended_at, now()), (($3::date + 1)::timestamp AT TIME ZONE '${this.tz}'))
              - greatest(i.started_at, ($2::date::timestamp AT TIME ZONE '${this.tz}'))))), 0)::float8 AS s
         FROM analytics_agent_status_intervals i WHERE i.agent_id = $1 AND i.status IN ('online','busy')`,
      p,
    );
    return {
      assigned: await count(
        `a.agent_id = $1 AND a.method IN ('manual','self','auto') AND ${inRange('a.assigned_at')}`,
      ),
      transferredIn: await count(`a.agent_id = $1 AND a.method = 'transfer' AND ${inRange('a.assigned_at')}`),
      reopened: await count(`a.agent_id = $1 AND a.method = 'reopen' AND ${inRange('a.assigned_at')}`),
      accepted: await count(`a.agent_id = $1 AND a.accepted_at IS NOT NULL AND ${inRange('a.accepted_at')}`),
      transferredOut: await count(
        `a.agent_id = $1 AND a.transferred_to IS NOT NULL AND ${inRange('a.transferred_at')}`,
      ),
      resolved: resolution.count,
      publicReplies: await messages(false),
      internalNotes: await messages(true),
      firstResponse,
      resolution,
      sla: await this.sla(from, to, 'AND t.assignee_id = $3::uuid', [from, to, agentId]),
      onlineMinutes: online.s / 60,
    };
  }

  async volume(from: string, to: string, interval: 'day' | 'week' | 'month') {
    const period = (col: string) =>
      interval === 'day'
        ? `to_char(${this.local(col)}, 'YYYY-MM-DD')`
        : interval === 'week'
          ? `to_char(date_trunc('week', ${this.local(col)}), 'YYYY-MM-DD')`
          : `to_char(${this.local(col)}, 'YYYY-MM')`;
    const rows = (await this.db.query(
      `SELECT period, sum(created)::int AS created, sum(resolved)::int AS resolved FROM (
         SELECT ${period('t.created_at')} AS period, 1 AS created, 0 AS resolved FROM tickets t
          WHERE t.deleted_at IS NULL AND ${this.local('t.created_at')} BETWEEN $1 AND $2
         UNION ALL
         SELECT ${period('s.created_at')}, 0, 1 FROM ticket_status_changes s JOIN tickets t ON t.id = s.ticket_id
          WHERE t.deleted_at IS NULL AND s.to_status IN ${DONE} AND coalesce(s.from_status, '') NOT IN ${DONE}
            AND ${this.local('s.created_at')} BETWEEN $1 AND $2) x
       GROUP BY period ORDER BY period`,
      [from, to],
    )) as Array<{ period: string; created: number; resolved: number }>;
    return rows;
  }

  /** Created and resolved by a ticket column (channel, category, priority …). */
  async breakdown(column: string, from: string, to: string) {
    return (await this.db.query(
      `SELECT key, sum(created)::int AS created, sum(resolved)::int AS resolved FROM (
         SELECT t.${column} AS key, 1 AS created, 0 AS resolved FROM tickets t
          WHERE t.deleted_at IS NULL AND ${this.local('t.created_at')} BETWEEN $1 AND $2
         UNION ALL
         SELECT t.${column}, 0, 1 FROM ticket_status_changes s JOIN tickets t ON t.id = s.ticket_id
          WHERE t.deleted_at IS NULL AND s.to_status IN ${DONE} AND coalesce(s.from_status, '') NOT IN ${DONE}
            AND ${this.local('s.created_at')} BETWEEN $1 AND $2) x
       GROUP BY key`,
      [from, to],
    )) as Array<{ key: string | null; created: number; resolved: number }>;
  }

  async slaByPriority(from: string, to: string, priority: string): Promise<SlaCounts> {
    return this.sla(from, to, 'AND t.priority = $3', [from, to, priority]);
  }

  async topCustomers(from: string, to: string) {
    return (await this.db.query(
      `SELECT t.customer_id AS "customerId", count(*)::int AS tickets FROM tickets t
        WHERE t.deleted_at IS NULL AND ${this.local('t.created_at')} BETWEEN $1 AND $2
        GROUP BY t.customer_id ORDER BY tickets DESC, t.customer_id`,
      [from, to],
    )) as Array<{ customerId: string; tickets: number }>;
  }

  async vipResolution(from: string, to: string): Promise<Timing> {
    return this.timing(
      `SELECT extract(epoch FROM s.created_at - t.created_at) * 1000 AS ms
         FROM ticket_status_changes s JOIN tickets t ON t.id = s.ticket_id AND t.deleted_at IS NULL
         JOIN customers c ON c.id = t.customer_id AND c.tier = 'vip'
        WHERE s.to_status IN ${DONE} AND coalesce(s.from_status, '') NOT IN ${DONE}
          AND ${this.local('s.created_at')} BETWEEN $1 AND $2`,
      [from, to],
    );
  }

  /** Tickets created in the range with an earlier live ticket of the same customer and category in the 7 days before. */
  async repeats(from: string, to: string) {
    return (await this.db.query(
      `SELECT t.customer_id AS "customerId", t.category, count(*)::int AS tickets FROM tickets t
        WHERE t.deleted_at IS NULL AND t.category IS NOT NULL AND ${this.local('t.created_at')} BETWEEN $1 AND $2
          AND EXISTS (SELECT 1 FROM tickets e WHERE e.customer_id = t.customer_id AND e.category = t.category
                        AND e.deleted_at IS NULL AND e.id <> t.id
                        AND (e.created_at < t.created_at OR (e.created_at = t.created_at AND e.id < t.id))
                        AND e.created_at >= t.created_at - interval '7 days')
        GROUP BY 1, 2 ORDER BY tickets DESC, 1, 2`,
      [from, to],
    )) as Array<{ customerId: string; category: string; tickets: number }>;
  }
}
