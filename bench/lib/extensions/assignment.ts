import type { Client } from 'pg';
import { allTablesExist, type SeedExtension } from './extension';

/** Share of assigned tickets that went through one transfer before reaching their assignee. */
const TRANSFER_SHARE = 0.06;

/**
 * The assignment history the app would have written for each assigned ticket, as
 * assignment.service.ts writes it: one row per assignment (`auto` with the routing rule that
 * decided, `manual` by a lead, `self`), a `transferred` row before a transfer, `accepted` when
 * the assignee accepted, `in_progress` from their first public reply (markStarted), `completed`
 * when the ticket was solved or closed. All times come from the ticket's own timeline.
 */
const insertHistory = `
  WITH pool AS (SELECT array_agg(id ORDER BY id) AS ids FROM agents WHERE active AND role IN ('agent','lead')),
  leads AS (SELECT array_agg(id ORDER BY id) AS ids FROM agents WHERE active AND role IN ('lead','admin')),
  t AS (
    SELECT t.id, t.assignee_id, t.status, t.created_at, t.first_responded_at, t.resolved_at,
           -- The span the assignment happened in: before the first reply (the assignee wrote it).
           coalesce(t.first_responded_at, t.resolved_at, $2::timestamptz) - t.created_at AS span,
           bench.rand(t.id || ':method', $1) AS r_method,
           bench.rand(t.id || ':delay', $1) AS r_delay,
           bench.rand(t.id || ':accept', $1) AS r_accept,
           bench.rand(t.id || ':transfer', $1) AS r_transfer,
           bench.rand(t.id || ':who', $1) AS r_who,
           bench.rand(t.id || ':lead', $1) AS r_lead
      FROM tickets t WHERE t.assignee_id IS NOT NULL
  ),
  a AS (
    SELECT t.*,
           t.created_at + least(interval '20 seconds' + t.r_delay * interval '30 minutes', t.span * 0.3) AS first_at,
           t.created_at + t.span * 0.6 AS transfer_at,
           t.r_transfer < ${TRANSFER_SHARE} AND cardinality(pool.ids) > 1 AS transferred,
           pool.ids[1 + floor(t.r_who * cardinality(pool.ids))::int] AS other,
           pool.ids[1 + (floor(t.r_who * cardinality(pool.ids))::int + 1) % cardinality(pool.ids)] AS other2,
           leads.ids[1 + floor(t.r_lead * cardinality(leads.ids))::int] AS lead,
           CASE WHEN t.r_method < 0.6 THEN 'auto' WHEN t.r_method < 0.85 THEN 'manual' ELSE 'self' END AS first_method,
           CASE WHEN t.r_delay < 0.55 THEN 'lowest_load' WHEN t.r_delay < 0.8 THEN 'round_robin'
                WHEN t.r_delay < 0.9 THEN 'language' WHEN t.r_delay < 0.97 THEN 'specialization'
                ELSE 'vip_senior' END AS auto_reason,
           (ARRAY['needs a specialist','language','shift change','workload'])[1 + floor(t.r_accept * 4)::int]
             AS transfer_reason
      FROM t, pool, leads
  ),
  rows AS (
    -- The live (or last) assignment of every assigned ticket.
    SELECT a.id AS ticket_id, a.assignee_id AS agent_id,
           CASE WHEN a.transferred THEN CASE WHEN a.other = a.assignee_id THEN a.other2 ELSE a.other END END
             AS previous_agent_id,
           CASE WHEN a.transferred THEN a.lead
                WHEN a.first_method = 'manual' THEN a.lead
                WHEN a.first_method = 'self' THEN a.assignee_id END AS assigned_by,
           CASE WHEN a.transferred THEN 'transfer' ELSE a.first_method END AS method,
           CASE WHEN a.transferred THEN a.transfer_reason
                WHEN a.first_method = 'auto' THEN a.auto_reason ELSE a.first_method END AS reason,
           CASE WHEN a.status IN ('solved','closed') THEN 'completed'
                WHEN a.first_responded_at IS NOT NULL THEN 'in_progress'
                WHEN a.r_accept < 0.8 THEN 'accepted' ELSE 'assigned' END AS status,
           CASE WHEN a.transferred THEN a.transfer_at ELSE a.first_at END AS assigned_at,
           a.r_accept, a.first_responded_at, a.resolved_at, a.span, NULL::timestamptz AS transferred_at,
           NULL::uuid AS transferred_to, NULL::text AS transfer_reason
      FROM a
    UNION ALL
    -- The assignment a transfer ended.
    SELECT a.id, CASE WHEN a.other = a.assignee_id THEN a.other2 ELSE a.other END, NULL,
           CASE WHEN a.first_method = 'manual' THEN a.lead
                WHEN a.first_method = 'self' THEN CASE WHEN a.other = a.assignee_id THEN a.other2 ELSE a.other END END,
           a.first_method, CASE WHEN a.first_method = 'auto' THEN a.auto_reason ELSE a.first_method END,
           'transferred', a.first_at, a.r_accept, NULL, NULL, a.span * 0.5, a.transfer_at, a.assignee_id,
           a.transfer_reason
      FROM a WHERE a.transferred
  )
  INSERT INTO ticket_assignments (ticket_id, agent_id, previous_agent_id, assigned_by, method, reason, status,
    over_capacity, assigned_at, accepted_at, started_at, completed_at, transferred_at, transferred_by,
    transferred_to, transfer_reason)
  SELECT r.ticket_id, r.agent_id, r.previous_agent_id, r.assigned_by, r.method, r.reason, r.status, false,
         r.assigned_at,
         -- Accepted a little after assignment, never after the reply, solution or now.
         CASE WHEN r.status = 'assigned' OR r.r_accept >= 0.8 THEN NULL
              ELSE least(r.assigned_at + r.r_accept * interval '12 minutes',
                         coalesce(r.transferred_at, r.first_responded_at, r.resolved_at, $2::timestamptz)) END,
         CASE WHEN r.status IN ('in_progress','completed') THEN r.first_responded_at END,
         CASE WHEN r.status = 'completed' THEN r.resolved_at END,
         r.transferred_at, CASE WHEN r.transferred_at IS NOT NULL THEN r.assigned_by END,
         r.transferred_to, r.transfer_reason
    FROM rows r`;

/** The repository's recount (assignment.repository.ts), for every agent at once. */
const recount = `
  UPDATE agents a SET open_tickets = c.n
    FROM (SELECT ag.id, count(t.id)::int AS n
            FROM agents ag
            LEFT JOIN tickets t ON t.assignee_id = ag.id AND t.deleted_at IS NULL
                               AND t.status IN ('new','open','on_hold')
           GROUP BY ag.id) c
   WHERE a.id = c.id AND a.open_tickets <> c.n`;

export const assignmentExtension: SeedExtension = {
  name: 'assignment',
  version: 1,
  tables: ['ticket_assignments', 'agents'],
  applies: (client) => allTablesExist(client, ['ticket_assignments']),
  async reset(client: Client) {
    await client.query(`TRUNCATE ticket_assignments`);
  },
  async run(client, ctx) {
    const seed = ctx.seed;
    const now = ctx.now;
    // No triggers or FK checks for the bulk insert, as for the core load: analytics is fed by
    // its own rebuild, and every id comes from the tables just read.
    await client.query(`SET session_replication_role = replica`);
    let history: number;
    try {
      history = (await client.query(insertHistory, [seed, now])).rowCount ?? 0;
    } finally {
      await client.query(`SET session_replication_role = origin`);
    }
    const recounted = (await client.query(recount)).rowCount ?? 0;
    // Round robin reads when each agent last received a ticket.
    await client.query(
      `UPDATE agents a SET last_assigned_at = l.at
         FROM (SELECT ag.id, max(s.assigned_at) AS at FROM agents ag
                 LEFT JOIN ticket_assignments s ON s.agent_id = ag.id GROUP BY ag.id) l
        WHERE a.id = l.id AND a.last_assigned_at IS DISTINCT FROM l.at`,
    );
    // Capacity is what they hold now plus 20–40 free slots, so routing (the bench's auto-assign
    // scenario) finds eligible agents among those online and accepting work.
    const capacities =
      (
        await client.query(
          `UPDATE agents SET max_concurrent_tickets = open_tickets + 20 + floor(bench.rand(id || ':capacity', $1) * 21)::int
            WHERE role IN ('agent','lead')`,
          [seed],
        )
      ).rowCount ?? 0;
    const { rows } = await client.query<{ eligible: number; free: number }>(
      `SELECT count(*)::int AS eligible, coalesce(sum(max_concurrent_tickets - open_tickets), 0)::int AS free
         FROM agents a
        WHERE a.active AND a.role IN ('agent','lead') AND a.status = 'online' AND a.accepts_new
          AND a.open_tickets < a.max_concurrent_tickets`,
    );
    return {
      assignments: history,
      agentsRecounted: recounted,
      capacitiesSet: capacities,
      eligibleAgents: rows[0]?.eligible ?? 0,
      freeSlots: rows[0]?.free ?? 0,
    };
  },
};
