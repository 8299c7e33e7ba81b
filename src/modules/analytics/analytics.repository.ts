import type { DataSource } from 'typeorm';
import { sql } from '../../platform/db/sql';
import type { AgentStatus } from '../agents/agent.types';
import { LAST_BUCKET, type Histogram } from './histogram';
import { columnOf } from './rollups.repository';
import { agentCounters, segmentCounters, type AgentCounter, type SegmentCounter } from './ticket-facts';

export interface Totals<C extends string> {
  counters: Record<C, number>;
  firstResponseHist: Histogram;
  resolutionHist: Histogram;
}
export type SegmentTotals = Totals<SegmentCounter>;
/** Which duration histograms a read merges. */
export type HistogramChoice = 'both' | 'firstResponse' | 'resolution' | 'none';
export type AgentTotals = Totals<AgentCounter> & { onlineSeconds: number };

export interface AgentRecord {
  id: string;
  name: string;
  email: string;
  role: string;
  department: string | null;
  status: AgentStatus;
  active: boolean;
  openTickets: number;
  capacity: number;
}

export interface CustomerCount {
  customerId: string;
  name: string | null;
  email: string | null;
  tier: string;
  tickets: number;
}

export interface RepeatIssue {
  customerId: string;
  name: string | null;
  email: string | null;
  category: string;
  tickets: number;
}

export const emptySegmentTotals = (): SegmentTotals => ({
  counters: Object.fromEntries(segmentCounters.map((c) => [c, 0])) as Record<SegmentCounter, number>,
  firstResponseHist: {},
  resolutionHist: {},
});
export const emptyAgentTotals = (): AgentTotals => ({
  counters: Object.fromEntries(agentCounters.map((c) => [c, 0])) as Record<AgentCounter, number>,
  firstResponseHist: {},
  resolutionHist: {},
  onlineSeconds: 0,
});

/** The reads behind the reports: rollup rows summed over a day range, and a few live figures. */
export class AnalyticsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Segment rollups of one dimension summed over [from, to], by value (only `values` when
   * given), with their duration histograms merged when `histograms` is set.
   */
  async segmentTotals(
    dimension: string,
    from: string,
    to: string,
    opts: { values?: string[]; histograms?: HistogramChoice } = {},
  ): Promise<Map<string, SegmentTotals>> {
    const params: unknown[] = [dimension, from, to];
    let filter = '';
    if (opts.values) {
      params.push(opts.values);
      filter = 'AND s.value = ANY($4::text[])';
    }
    const sums = segmentCounters.map((c) => `sum(s.${columnOf(c)})::float8 AS "${c}"`).join(', ');
    const where = `s.dimension = $1 AND s.day BETWEEN $2::date AND $3::date ${filter}`;
    const rows = await sql<Record<string, number> & { key: string }>(
      this.db,
      `SELECT s.value AS key, ${sums} FROM analytics_segment_daily s WHERE ${where} GROUP BY s.value`,
      params,
    );
    const result = new Map<string, SegmentTotals>();
    for (const r of rows) {
      const t = emptySegmentTotals();
      for (const c of segmentCounters) t.counters[c] = Number(r[c] ?? 0);
      result.set(r.key, t);
    }
    await this.mergeHistograms(
      result,
      'analytics_segment_daily s',
      's.value',
      where,
      params,
      opts.histograms ?? 'both',
    );
    return result;
  }

  /**
   * Backlog at the end of `to`, by value: the backlog now less the net change of the days after
   * `to` (so recent days, the usual question, read few rows).
   */
  async backlog(dimension: string, to: string, values?: string[]): Promise<Map<string, number>> {
    const params: unknown[] = [dimension, to];
    let filter = '';
    if (values) {
      params.push(values);
      filter = 'AND o.value = ANY($3::text[])';
    }
    const rows = await sql<{ value: string; n: string }>(
      this.db,
      `SELECT o.value, o.open - coalesce((SELECT sum(s.open_delta) FROM analytics_segment_daily s
                                          WHERE s.dimension = o.dimension AND s.value = o.value AND s.day > $2::date), 0) AS n
         FROM analytics_segment_open o WHERE o.dimension = $1 ${filter}`,
      params,
    );
    return new Map(rows.map((r) => [r.value, Number(r.n)]));
  }

  /** Per day (the volume report). */
  async dailyCounts(
    dimension: string,
    value: string,
    from: string,
    to: string,
  ): Promise<Array<{ day: string; created: number; resolved: number }>> {
    return sql<{ day: string; created: number; resolved: number }>(
      this.db,
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, created, resolved FROM analytics_segment_daily
        WHERE dimension = $1 AND value = $2 AND day BETWEEN $3::date AND $4::date ORDER BY day`,
      [dimension, value, from, to],
    );
  }

  /**
   * Agent rollups summed over [from, to], by agent (only `agentIds` when given), with the named
   * histograms merged.
   */
  async agentTotals(
    from: string,
    to: string,
    opts: { agentIds?: string[]; histograms?: HistogramChoice } = {},
  ): Promise<Map<string, AgentTotals>> {
    const params: unknown[] = [from, to];
    let filter = '';
    if (opts.agentIds) {
      params.push(opts.agentIds);
      filter = 'AND a.agent_id = ANY($3::uuid[])';
    }
    const sums = agentCounters.map((c) => `sum(a.${columnOf(c)})::float8 AS "${c}"`).join(', ');
    const where = `a.day BETWEEN $1::date AND $2::date ${filter}`;
    const rows = await sql<Record<string, number> & { key: string; online: number }>(
      this.db,
      `SELECT a.agent_id::text AS key, ${sums}, sum(a.online_seconds)::float8 AS online
         FROM analytics_agent_daily a WHERE ${where} GROUP BY a.agent_id`,
      params,
    );
    const result = new Map<string, AgentTotals>();
    for (const r of rows) {
      const t = emptyAgentTotals();
      for (const c of agentCounters) t.counters[c] = Number(r[c] ?? 0);
      t.onlineSeconds = Number(r.online ?? 0);
      result.set(r.key, t);
    }
    await this.mergeHistograms(
      result,
      'analytics_agent_daily a',
      'a.agent_id::text',
      where,
      params,
      opts.histograms ?? 'both',
    );
    return result;
  }

  /**
   * Adds up the daily histograms of the matching rows into each key's totals (only the named
   * ones: a leaderboard on one timing reads one column).
   */
  private async mergeHistograms(
    into: Map<string, Totals<string>>,
    table: string,
    keyExpr: string,
    where: string,
    params: unknown[],
    which: HistogramChoice,
  ): Promise<void> {
    const alias = table.split(' ')[1] ?? '';
    const columns = (
      [
        ['firstResponse', 'first_response_hist', 'firstResponseHist'],
        ['resolution', 'resolution_hist', 'resolutionHist'],
      ] as const
    ).filter(([name]) => which === 'both' || which === name);
    for (const [, column, field] of columns) {
      const rows = await sql<{ key: string; h: Histogram }>(
        this.db,
        `SELECT ${keyExpr} AS key, ${alias}.${column} AS h FROM ${table} WHERE ${where} AND ${alias}.${column} <> '{}'`,
        params,
      );
      // Dense counts per key while adding (far cheaper than growing objects), sparse at the end.
      const dense = new Map<string, Float64Array>();
      for (const r of rows) {
        let acc = dense.get(r.key);
        if (!acc) {
          acc = new Float64Array(LAST_BUCKET + 1);
          dense.set(r.key, acc);
        }
        for (const bucket in r.h) acc[Number(bucket)] = (acc[Number(bucket)] ?? 0) + (r.h[bucket] ?? 0);
      }
      for (const [key, acc] of dense) {
        const t = into.get(key);
        if (!t) continue;
        const h: Histogram = {};
        acc.forEach((n, bucket) => {
          if (n !== 0) h[String(bucket)] = n;
        });
        t[field] = h;
      }
    }
  }

  // --- agents ----------------------------------------------------------------------------------

  async agent(id: string): Promise<AgentRecord | null> {
    const [row] = await this.agentsWhere('a.id = $1', [id]);
    return row ?? null;
  }

  agentsByIds(ids: string[]): Promise<AgentRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.agentsWhere('a.id = ANY($1::uuid[])', [ids]);
  }

  async agentIdsInDepartment(department: string): Promise<string[]> {
    const rows = await sql<{ id: string }>(this.db, `SELECT id FROM agents WHERE department = $1`, [
      department,
    ]);
    return rows.map((r) => r.id);
  }

  private async agentsWhere(where: string, params: unknown[]): Promise<AgentRecord[]> {
    const rows = await sql<{
      id: string;
      name: string;
      email: string;
      role: string;
      department: string | null;
      status: AgentStatus;
      active: boolean;
      open_tickets: number;
      max_concurrent_tickets: number;
    }>(
      this.db,
      `SELECT a.id, a.name, a.email, a.role, a.department, a.status, a.active, a.open_tickets, a.max_concurrent_tickets
         FROM agents a WHERE ${where}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      role: r.role,
      department: r.department,
      status: r.status,
      active: r.active,
      openTickets: r.open_tickets,
      capacity: r.max_concurrent_tickets,
    }));
  }

  // --- customers -------------------------------------------------------------------------------

  /** Customers with the most tickets created in [start, end). */
  async topCustomers(start: Date, end: Date, limit: number): Promise<CustomerCount[]> {
    const rows = await sql<{
      customer_id: string;
      name: string | null;
      email: string | null;
      tier: string;
      tickets: number;
    }>(
      this.db,
      `SELECT c.id AS customer_id, c.name, c.email, c.tier, top.tickets
         FROM (SELECT customer_id, count(*)::int AS tickets FROM analytics_ticket_ledger
                WHERE created_at >= $1 AND created_at < $2
                GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT $3) top
         JOIN customers c ON c.id = top.customer_id
        ORDER BY top.tickets DESC, c.id`,
      [start, end, limit],
    );
    return rows.map((r) => ({
      customerId: r.customer_id,
      name: r.name,
      email: r.email,
      tier: r.tier,
      tickets: r.tickets,
    }));
  }

  /** Repeat tickets created in [start, end) by customer and category, most first. */
  async repeatIssues(start: Date, end: Date, limit: number): Promise<{ total: number; data: RepeatIssue[] }> {
    const [rows, total] = await Promise.all([
      sql<{
        customer_id: string;
        name: string | null;
        email: string | null;
        category: string;
        tickets: number;
      }>(
        this.db,
        `SELECT c.id AS customer_id, c.name, c.email, r.category, r.tickets
           FROM (SELECT customer_id, category, count(*)::int AS tickets FROM analytics_ticket_ledger
                  WHERE repeat AND created_at >= $1 AND created_at < $2
                  GROUP BY customer_id, category ORDER BY count(*) DESC, customer_id, category LIMIT $3) r
           JOIN customers c ON c.id = r.customer_id
          ORDER BY r.tickets DESC, c.id, r.category`,
        [start, end, limit],
      ),
      sql<{ n: number }>(
        this.db,
        `SELECT count(*)::int AS n FROM analytics_ticket_ledger WHERE repeat AND created_at >= $1 AND created_at < $2`,
        [start, end],
      ),
    ]);
    return {
      total: total[0]?.n ?? 0,
      data: rows.map((r) => ({
        customerId: r.customer_id,
        name: r.name,
        email: r.email,
        category: r.category,
        tickets: r.tickets,
      })),
    };
  }

  async customers(
    ids: string[],
  ): Promise<Map<string, { name: string | null; email: string | null; tier: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await sql<{ id: string; name: string | null; email: string | null; tier: string }>(
      this.db,
      `SELECT id, name, email, tier FROM customers WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { name: r.name, email: r.email, tier: r.tier }]));
  }

  /** Open tickets (anything not solved or closed) of the given customers, newest first. */
  async openTickets(
    customerIds: string[],
    perCustomer: number,
  ): Promise<
    Map<
      string,
      {
        count: number;
        tickets: Array<{ id: string; number: number; subject: string; status: string; priority: string }>;
      }
    >
  > {
    const result = new Map<
      string,
      {
        count: number;
        tickets: Array<{ id: string; number: number; subject: string; status: string; priority: string }>;
      }
    >();
    if (customerIds.length === 0) return result;
    const rows = await sql<{
      customer_id: string;
      id: string;
      number: string;
      subject: string;
      status: string;
      priority: string;
      total: number;
      n: string;
    }>(
      this.db,
      `SELECT * FROM (
         SELECT t.customer_id, t.id, t.number, t.subject, t.status, t.priority,
                count(*) OVER (PARTITION BY t.customer_id)::int AS total,
                row_number() OVER (PARTITION BY t.customer_id ORDER BY t.created_at DESC, t.id) AS n
           FROM tickets t
          WHERE t.customer_id = ANY($1::uuid[]) AND t.deleted_at IS NULL AND t.status NOT IN ('solved','closed')
       ) x WHERE n <= $2`,
      [customerIds, perCustomer],
    );
    for (const r of rows) {
      const entry = result.get(r.customer_id) ?? { count: r.total, tickets: [] };
      entry.tickets.push({
        id: r.id,
        number: Number(r.number),
        subject: r.subject,
        status: r.status,
        priority: r.priority,
      });
      result.set(r.customer_id, entry);
    }
    return result;
  }

  /** When the refresh last finished (the figures are current as of then). */
  async lastRefresh(): Promise<Date | null> {
    const [row] = await sql<{ at: Date }>(this.db, `SELECT at FROM analytics_state WHERE key = 'refresh'`);
    return row?.at ?? null;
  }
}
