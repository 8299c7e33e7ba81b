import { Client } from 'pg';
import { slaSection } from '../../../src/modules/sla/sla.config';
import { compileBusinessHours } from '../../../src/modules/sla/business-clock';
import type { SlaTerms } from '../../../src/modules/sla/sla-tracker';
import type { TicketPriority, TicketStatus } from '../../../src/modules/tickets/ticket.types';
import { CopyWriter, NULL, ts } from '../copy-writer';
import { allTablesExist, type ExtensionContext, type SeedExtension } from './extension';
import { benchPolicies } from './sla-policies';
import { simulateSla, type MonitorModel, type SlaHistory, type TicketTimeline } from './sla-history';

const BATCH = 5000;
const slaTables = ['sla_policies', 'sla_policy_versions', 'ticket_slas', 'sla_clocks', 'sla_alerts'];

/** The monitor as the bench API runs it: the default warning window, one tick a minute. */
export function benchMonitor(seed: number): MonitorModel {
  const { warningMinutes, checkIntervalSeconds } = slaSection.schema.parse({}).sla;
  const intervalMs = checkIntervalSeconds * 1000;
  return { warningMs: warningMinutes * 60_000, intervalMs, phaseMs: (seed * 7919) % intervalMs };
}

interface VersionTerms {
  since: number;
  terms: SlaTerms;
}

/** Writes the policies and their versions; answers each priority's versions, oldest first. */
async function insertPolicies(client: Client, now: Date): Promise<Map<TicketPriority, VersionTerms[]>> {
  const { rows } = await client.query<{ first: Date | null }>(`SELECT min(created_at) AS first FROM tickets`);
  const specs = benchPolicies(rows[0]?.first ?? now, now);
  const byPriority = new Map<TicketPriority, VersionTerms[]>();
  for (const spec of specs) {
    const last = spec.versions[spec.versions.length - 1];
    const first = spec.versions[0];
    if (!last || !first) continue;
    const hours = (v: typeof last) => (v.businessHours ? JSON.stringify(v.businessHours) : null);
    const { rows: policy } = await client.query<{ id: string }>(
      `INSERT INTO sla_policies (name, priority, first_response_minutes, resolution_minutes, next_reply_minutes,
         business_hours, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        spec.name,
        spec.priority,
        last.firstResponseMinutes,
        last.resolutionMinutes,
        last.nextReplyMinutes,
        hours(last),
        spec.versions.length,
        first.since,
        last.since,
      ],
    );
    const policyId = policy[0]?.id as string;
    const versions: VersionTerms[] = [];
    for (const [i, v] of spec.versions.entries()) {
      const { rows: version } = await client.query<{ id: string }>(
        `INSERT INTO sla_policy_versions (policy_id, version, priority, first_response_minutes, resolution_minutes,
           next_reply_minutes, business_hours, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [
          policyId,
          i + 1,
          spec.priority,
          v.firstResponseMinutes,
          v.resolutionMinutes,
          v.nextReplyMinutes,
          hours(v),
          v.since,
        ],
      );
      versions.push({
        since: v.since.getTime(),
        terms: {
          policyId,
          versionId: version[0]?.id as string,
          priority: spec.priority,
          firstResponseMinutes: v.firstResponseMinutes,
          resolutionMinutes: v.resolutionMinutes,
          nextReplyMinutes: v.nextReplyMinutes,
          hours: v.businessHours ? compileBusinessHours(v.businessHours) : null,
        },
      });
    }
    byPriority.set(spec.priority, versions);
  }
  return byPriority;
}

/** The version in force when the ticket was created (sla.service.ts `onCreated`). */
function termsAt(versions: VersionTerms[] | undefined, at: number): SlaTerms | null {
  let found: SlaTerms | null = null;
  for (const v of versions ?? []) if (v.since <= at) found = v.terms;
  return found;
}

interface TicketRow {
  id: string;
  priority: TicketPriority;
  status: TicketStatus;
  created_ms: number;
  resolved_ms: number | null;
  deleted_ms: number | null;
  status_ms: number | null;
  agent: boolean[] | null;
  at_ms: number[] | null;
}

const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;

/**
 * Every ticket with its public messages, as the hooks saw them, in creation order through a
 * cursor: one pass that groups all messages at once (per-batch lookups cost an index probe per
 * ticket, and a per-batch join scans all messages each time). Times come as epoch milliseconds.
 */
const ticketsCursor = `
  DECLARE sla_tickets NO SCROLL CURSOR FOR
  SELECT t.id, t.priority, t.status, ${ms('t.created_at')} AS created_ms, ${ms('t.resolved_at')} AS resolved_ms,
         ${ms('t.deleted_at')} AS deleted_ms,
         -- Only a pending ticket's pause time matters: when it entered its status.
         CASE WHEN t.status = 'pending' THEN
           (SELECT ${ms('max(c.created_at)')} FROM ticket_status_changes c
             WHERE c.ticket_id = t.id AND c.to_status = t.status) END AS status_ms,
         m.agent, m.at_ms
    FROM tickets t
    LEFT JOIN (
      SELECT m.ticket_id, array_agg(m.author_type = 'agent' ORDER BY m.created_at, m.id) AS agent,
             array_agg(${ms('m.created_at')} ORDER BY m.created_at, m.id) AS at_ms
        FROM messages m WHERE NOT m.internal AND m.deleted_at IS NULL GROUP BY m.ticket_id) m ON m.ticket_id = t.id
   ORDER BY t.number`;

async function fetchBatch(client: Client): Promise<TicketTimeline[]> {
  const { rows } = await client.query<TicketRow>(`FETCH ${BATCH} FROM sla_tickets`);
  return rows.map((r) => ({
    id: r.id,
    priority: r.priority,
    status: r.status,
    createdAt: r.created_ms,
    resolvedAt: r.resolved_ms,
    statusAt: r.status_ms,
    deletedAt: r.deleted_ms,
    messages: (r.at_ms ?? []).map((at, i) => ({ author: r.agent?.[i] ? 'agent' : 'customer', at })),
  }));
}

const num = (v: number | null) => (v === null ? NULL : String(Math.round(v)));
const date = (d: Date | null) => (d ? d.toISOString() : NULL);
const bool = (b: boolean) => (b ? 't' : 'f');

/** COPY text rows of one ticket's tracker, clocks and alerts. */
function rowsOf(
  h: SlaHistory,
  priority: TicketPriority,
): { tracker: string; clocks: string; alerts: string } {
  const tr = h.tracker;
  const updated = ts(h.lastChange);
  const tracker =
    [
      tr.ticketId,
      tr.terms?.policyId ?? NULL,
      tr.terms?.versionId ?? NULL,
      priority,
      date(tr.startedAt),
      date(tr.pausedAt),
      num(tr.pausedMs),
      num(tr.firstResponse.elapsedMs),
      bool(tr.firstResponse.breached),
      date(tr.firstResponse.decidedAt),
      num(tr.resolution.elapsedMs),
      bool(tr.resolution.breached),
      date(tr.resolution.decidedAt),
      date(tr.startedAt),
      updated,
    ].join('\t') + '\n';
  let clocks = '';
  for (const c of tr.clocks) {
    clocks +=
      [
        c.id,
        tr.ticketId,
        c.target,
        String(c.cycle),
        c.versionId,
        date(c.startedAt),
        String(c.targetMinutes),
        num(c.pausedMs),
        num(c.extensionMs),
        date(c.dueAt),
        c.state,
        date(c.endedAt),
        c.stopReason ?? NULL,
        date(c.warnedAt),
        date(c.breachedAt),
        bool(c.current),
        date(h.checkAt.get(c.id) ?? null),
        date(c.startedAt),
        updated,
      ].join('\t') + '\n';
  }
  let alerts = '';
  for (const a of h.alerts) {
    alerts +=
      [a.clockId, tr.ticketId, a.target, a.kind, date(a.dueAt), date(a.occurredAt), date(a.recordedAt)].join(
        '\t',
      ) + '\n';
  }
  return { tracker, clocks, alerts };
}

async function connectReplica(url: string, name: string): Promise<Client> {
  const c = new Client({ connectionString: url, application_name: name });
  await c.connect();
  // No FK checks or analytics triggers for the bulk load, as for the core load.
  await c.query(`SET session_replication_role = replica`);
  await c.query(`SET synchronous_commit = off`);
  return c;
}

/** Streams every ticket through the simulation and COPYs the result; returns row counts. */
async function loadTrackers(
  client: Client,
  ctx: ExtensionContext,
  versions: Map<TicketPriority, VersionTerms[]>,
): Promise<Record<string, number>> {
  const monitor = benchMonitor(ctx.seed);
  const now = ctx.now.getTime();
  await client.query(`DROP TABLE IF EXISTS bench.sla_due`);
  await client.query(`CREATE UNLOGGED TABLE bench.sla_due (ticket_id uuid NOT NULL, due_at timestamptz(3))`);
  const conns = await Promise.all(
    ['trackers', 'clocks', 'alerts', 'due'].map((n) => connectReplica(ctx.url, `crm-bench-sla-${n}`)),
  );
  const [trConn, clockConn, alertConn, dueConn] = conns as [Client, Client, Client, Client];
  let inCursor = false;
  try {
    const trackers = new CopyWriter(
      trConn,
      `COPY ticket_slas (ticket_id, policy_id, policy_version_id, priority, started_at, paused_at, paused_ms,
         first_response_ms, first_response_breached, first_response_decided_at, resolution_ms, resolution_breached,
         resolution_decided_at, created_at, updated_at) FROM STDIN`,
    );
    const clocks = new CopyWriter(
      clockConn,
      `COPY sla_clocks (id, ticket_id, target, cycle, policy_version_id, started_at, target_minutes, paused_ms,
         extension_ms, due_at, state, ended_at, stop_reason, warned_at, breached_at, current, check_at, created_at,
         updated_at) FROM STDIN`,
    );
    const alerts = new CopyWriter(
      alertConn,
      `COPY sla_alerts (clock_id, ticket_id, target, kind, due_at, occurred_at, created_at) FROM STDIN`,
    );
    const due = new CopyWriter(dueConn, `COPY bench.sla_due (ticket_id, due_at) FROM STDIN`);
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets`);
    const total = rows[0]?.n ?? 0;
    let done = 0;
    let lastLog = Date.now();
    await client.query(`BEGIN READ ONLY`);
    inCursor = true;
    // A cursor plans for its first rows by default (nested loops); this one reads them all.
    await client.query(`SET LOCAL cursor_tuple_fraction = 1`);
    await client.query(ticketsCursor);
    let next = fetchBatch(client);
    for (let batch = await next; batch.length > 0; batch = await next) {
      // Fetch the next batch while this one is simulated and written.
      next = fetchBatch(client);
      let trackerRows = '';
      let clockRows = '';
      let alertRows = '';
      let dueRows = '';
      let nClocks = 0;
      let nAlerts = 0;
      let nDue = 0;
      for (const t of batch) {
        const terms = termsAt(versions.get(t.priority), t.createdAt);
        if (!terms) continue;
        const h = simulateSla(t, terms, now, monitor);
        const out = rowsOf(h, t.priority);
        trackerRows += out.tracker;
        clockRows += out.clocks;
        alertRows += out.alerts;
        nClocks += h.tracker.clocks.length;
        nAlerts += h.alerts.length;
        if (h.dueAt) {
          dueRows += `${t.id}\t${h.dueAt.toISOString()}\n`;
          nDue++;
        }
      }
      await Promise.all([
        trackers.write(trackerRows, batch.length),
        clocks.write(clockRows, nClocks),
        alerts.write(alertRows, nAlerts),
        due.write(dueRows, nDue),
      ]);
      done += batch.length;
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        ctx.log(`    sla: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} tickets`);
      }
    }
    await client.query(`COMMIT`);
    inCursor = false;
    await Promise.all([trackers.end(), clocks.end(), alerts.end(), due.end()]);
    // One set-based write of the denormalised due time the smart order reads (no trigger
    // watches sla_due_at).
    const updated = await client.query(
      `UPDATE tickets t SET sla_due_at = d.due_at FROM bench.sla_due d
        WHERE t.id = d.ticket_id AND t.sla_due_at IS DISTINCT FROM d.due_at`,
    );
    return {
      trackers: trackers.rows,
      clocks: clocks.rows,
      alerts: alerts.rows,
      ticketsWithDueTime: updated.rowCount ?? 0,
    };
  } finally {
    if (inCursor) await client.query(`ROLLBACK`);
    await Promise.all(conns.map((c) => c.end()));
    await client.query(`DROP TABLE IF EXISTS bench.sla_due`);
  }
}

export const slaExtension: SeedExtension = {
  name: 'sla',
  version: 1,
  tables: [...slaTables, 'tickets'],
  applies: (client) => allTablesExist(client, slaTables),
  async reset(client) {
    await client.query(`TRUNCATE ${slaTables.join(', ')} RESTART IDENTITY`);
    await client.query(`UPDATE tickets SET sla_due_at = NULL WHERE sla_due_at IS NOT NULL`);
    // The SLA tick scenario's saved clocks belong to the clocks just removed.
    if ((await client.query(`SELECT to_regclass('bench.sla_tick_saved') AS t`)).rows[0]?.t)
      await client.query(`TRUNCATE bench.sla_tick_saved`);
  },
  async run(client, ctx) {
    const versions = await insertPolicies(client, ctx.now);
    const counts = await loadTrackers(client, ctx, versions);
    const { rows } = await client.query<{ running: number; future: number; due: number }>(
      `SELECT count(*) FILTER (WHERE state = 'running')::int AS running,
              count(*) FILTER (WHERE state = 'running' AND check_at >= $1)::int AS future,
              count(*) FILTER (WHERE check_at < $1)::int AS due
         FROM sla_clocks`,
      [ctx.now],
    );
    return {
      policies: versions.size,
      policyVersions: [...versions.values()].reduce((n, v) => n + v.length, 0),
      ...counts,
      runningClocks: rows[0]?.running ?? 0,
      runningWithFutureCheck: rows[0]?.future ?? 0,
      dueAtSeedTime: rows[0]?.due ?? 0,
    };
  },
};
