import type { DataSource, EntityManager } from 'typeorm';
import type { Page } from '../../platform/http/common.schemas';
import { sql } from '../../platform/db/sql';
import { decodeCursor, pageOf } from '../../platform/http/cursor';
import type { Role } from '../../platform/security/actor';
import type { AgentStatus, Seniority } from '../agents/agent.types';
import type { TicketEntity } from '../tickets/ticket.entity';
import { rowToTicket, TICKET_COLUMNS, type TicketRow } from '../tickets/tickets.repository';
import { preferenceInputs, type RankedAgent, type RoutingAgent, type RoutingTicket } from './agent-choice';
import type { AssignmentMethod, AssignmentStatus, TicketAssignmentEntity } from './ticket-assignment.entity';

const AGENT_COLUMNS = `a.id, a.role, a.active, a.status, a.accepts_new, a.open_tickets, a.max_concurrent_tickets,
  a.languages, a.specializations, a.seniority, a.last_assigned_at`;

/** Rule 1 in SQL: who may receive a ticket automatically right now. */
const ELIGIBLE = `(a.active AND a.role IN ('agent','lead') AND a.status = 'online' AND a.accepts_new
  AND a.open_tickets < a.max_concurrent_tickets)`;

interface RankedRow {
  id: string;
  open_tickets: number;
  max_concurrent_tickets: number;
  lang: boolean;
  senior: boolean;
  spec: boolean;
  n0: number;
  n1: number;
  n2: number;
  n3: number;
}

interface AgentRow {
  id: string;
  role: Role;
  active: boolean;
  status: AgentStatus;
  accepts_new: boolean;
  open_tickets: number;
  max_concurrent_tickets: number;
  languages: string[];
  specializations: string[];
  seniority: Seniority;
  last_assigned_at: Date | null;
}

const rowToAgent = (r: AgentRow): RoutingAgent => ({
  id: r.id,
  role: r.role,
  active: r.active,
  status: r.status,
  acceptsNew: r.accepts_new,
  openTickets: r.open_tickets,
  capacity: r.max_concurrent_tickets,
  languages: r.languages,
  specializations: r.specializations,
  seniority: r.seniority,
  lastAssignedAt: r.last_assigned_at,
});

const ASSIGNMENT_COLUMNS = `s.id, s.ticket_id, s.agent_id, s.previous_agent_id, s.assigned_by, s.method, s.reason,
  s.status, s.over_capacity, s.assigned_at, s.accepted_at, s.started_at, s.completed_at, s.transferred_at,
  s.transferred_by, s.transferred_to, s.transfer_reason`;

interface AssignmentRow {
  id: string;
  ticket_id: string;
  agent_id: string;
  previous_agent_id: string | null;
  assigned_by: string | null;
  method: AssignmentMethod;
  reason: string | null;
  status: AssignmentStatus;
  over_capacity: boolean;
  assigned_at: Date;
  accepted_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  transferred_at: Date | null;
  transferred_by: string | null;
  transferred_to: string | null;
  transfer_reason: string | null;
}

const rowToAssignment = (r: AssignmentRow): TicketAssignmentEntity => ({
  id: r.id,
  ticketId: r.ticket_id,
  agentId: r.agent_id,
  previousAgentId: r.previous_agent_id,
  assignedBy: r.assigned_by,
  method: r.method,
  reason: r.reason,
  status: r.status,
  overCapacity: r.over_capacity,
  assignedAt: r.assigned_at,
  acceptedAt: r.accepted_at,
  startedAt: r.started_at,
  completedAt: r.completed_at,
  transferredAt: r.transferred_at,
  transferredBy: r.transferred_by,
  transferredTo: r.transferred_to,
  transferReason: r.transfer_reason,
});

export interface NewAssignment {
  ticketId: string;
  agentId: string;
  previousAgentId: string | null;
  assignedBy: string | null;
  method: AssignmentMethod;
  reason: string | null;
  overCapacity: boolean;
}

export interface Workload {
  open: number;
  capacity: number;
}

export class AssignmentRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The eligible agents in routing order (rules 2 and 3, see `RankedAgent`), the first `limit`
   * of them, read without locking: one lean row each, the ranking and group counts done by
   * Postgres. `except` leaves agents out of the set.
   */
  async rank(
    tx: EntityManager,
    ticket: RoutingTicket,
    opts: { limit: number; except?: string[] },
  ): Promise<RankedAgent[]> {
    const p = preferenceInputs(ticket);
    const rows: RankedRow[] = await tx.query(
      `WITH e AS (
         SELECT a.id, a.open_tickets, a.max_concurrent_tickets, a.last_assigned_at,
                ($1::text IS NOT NULL AND EXISTS (
                   SELECT 1 FROM unnest(a.languages) l
                    WHERE split_part(translate(lower(btrim(l)), '_', '-'), '-', 1) = $1)) AS lang,
                ($2::boolean AND a.seniority = 'senior') AS senior,
                EXISTS (SELECT 1 FROM unnest(a.specializations) s WHERE lower(btrim(s)) = ANY($3::text[])) AS spec
           FROM agents a
          WHERE ${ELIGIBLE} AND a.id <> ALL($4::uuid[]))
       SELECT id, open_tickets, max_concurrent_tickets, lang, senior, spec,
              (count(*) OVER ())::int AS n0,
              (count(*) OVER (PARTITION BY lang))::int AS n1,
              (count(*) OVER (PARTITION BY lang, senior))::int AS n2,
              (count(*) OVER (PARTITION BY lang, senior, spec))::int AS n3
         FROM e
        ORDER BY lang DESC, senior DESC, spec DESC, open_tickets::float8 / max_concurrent_tickets,
                 last_assigned_at NULLS FIRST, id
        LIMIT $5`,
      [p.languagePrimary, p.vip, p.topics, opts.except ?? [], opts.limit],
    );
    return rows.map((r) => ({
      id: r.id,
      openTickets: r.open_tickets,
      capacity: r.max_concurrent_tickets,
      satisfies: [r.lang, r.senior, r.spec],
      groupSizes: [r.n0, r.n1, r.n2, r.n3],
    }));
  }

  /**
   * Locks the first of these agents, in the order given, that is still eligible, and returns
   * it as it is now. A row changed since it was ranked is re-checked by Postgres against the
   * eligibility condition once locked, so an agent filled meanwhile is passed over: this is
   * what keeps capacity exact across processes. With `skipLocked`, agents another transaction
   * holds are passed over too instead of waited for. The attempt runs in a savepoint: when it
   * finds nobody, the locks it took on rows that failed the re-check are let go at once, so a
   * router never holds one agent while it waits for another.
   */
  async lockFirstEligible(
    tx: EntityManager,
    ids: string[],
    opts: { skipLocked: boolean },
  ): Promise<RoutingAgent | null> {
    await tx.query(`SAVEPOINT lock_first_eligible`);
    const rows: AgentRow[] = await tx.query(
      `SELECT ${AGENT_COLUMNS} FROM agents a
        WHERE a.id = ANY($1::uuid[]) AND ${ELIGIBLE}
        ORDER BY array_position($1::uuid[], a.id)
        LIMIT 1 FOR UPDATE${opts.skipLocked ? ' SKIP LOCKED' : ''}`,
      [ids],
    );
    const row = rows[0];
    await tx.query(
      row ? `RELEASE SAVEPOINT lock_first_eligible` : `ROLLBACK TO SAVEPOINT lock_first_eligible`,
    );
    return row ? rowToAgent(row) : null;
  }

  /** Locks these agents (id order) for the rest of the transaction. */
  async lockAgents(tx: EntityManager, ids: string[]): Promise<RoutingAgent[]> {
    const rows: AgentRow[] = await tx.query(
      `SELECT ${AGENT_COLUMNS} FROM agents a WHERE a.id = ANY($1::uuid[]) ORDER BY a.id FOR UPDATE`,
      [[...new Set(ids)]],
    );
    return rows.map(rowToAgent);
  }

  /** Locks a live ticket unless another transaction holds it (the backlog skips it then). */
  async tryLockTicket(tx: EntityManager, id: string): Promise<TicketEntity | null> {
    const rows: TicketRow[] = await tx.query(
      `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.id = $1 AND t.deleted_at IS NULL FOR UPDATE SKIP LOCKED`,
      [id],
    );
    return rows[0] ? rowToTicket(rows[0]) : null;
  }

  async routingTicket(tx: EntityManager, ticketId: string): Promise<RoutingTicket> {
    const rows: Array<{ language: string | null; tier: string; category: string | null; tags: string[] }> =
      await tx.query(
        `SELECT c.language, c.tier, t.category, t.tags
           FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.id = $1`,
        [ticketId],
      );
    const r = rows[0];
    return {
      language: r?.language ?? null,
      vip: r?.tier === 'vip',
      category: r?.category ?? null,
      tags: r?.tags ?? [],
    };
  }

  async workload(agentId: string): Promise<Workload | null> {
    const rows: Array<{ open_tickets: number; max_concurrent_tickets: number }> = await this.db.query(
      `SELECT open_tickets, max_concurrent_tickets FROM agents WHERE id = $1`,
      [agentId],
    );
    const r = rows[0];
    return r ? { open: r.open_tickets, capacity: r.max_concurrent_tickets } : null;
  }

  /** Round robin: the time of an agent's latest assignment (the real time, not the transaction's). */
  async touchLastAssigned(tx: EntityManager, agentId: string): Promise<void> {
    await tx.query(`UPDATE agents SET last_assigned_at = clock_timestamp() WHERE id = $1`, [agentId]);
  }

  async insert(tx: EntityManager, a: NewAssignment): Promise<TicketAssignmentEntity> {
    const rows: AssignmentRow[] = await tx.query(
      `INSERT INTO ticket_assignments AS s (ticket_id, agent_id, previous_agent_id, assigned_by, method, reason, over_capacity)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING ${ASSIGNMENT_COLUMNS}`,
      [a.ticketId, a.agentId, a.previousAgentId, a.assignedBy, a.method, a.reason, a.overCapacity],
    );
    return rowToAssignment(rows[0] as AssignmentRow);
  }

  /**
   * Records a reopened ticket going back to its assignee; over capacity when the agent's count
   * (which already includes the ticket) is beyond their capacity.
   */
  async insertReopen(tx: EntityManager, ticketId: string, agentId: string): Promise<void> {
    await tx.query(
      `INSERT INTO ticket_assignments (ticket_id, agent_id, method, reason, over_capacity)
       SELECT $1, a.id, 'reopen', 'reopened', a.open_tickets > a.max_concurrent_tickets FROM agents a WHERE a.id = $2
       ON CONFLICT DO NOTHING`,
      [ticketId, agentId],
    );
  }

  /** The ticket's live assignment (assigned, accepted or in progress), if any. */
  async live(tx: EntityManager, ticketId: string): Promise<TicketAssignmentEntity | null> {
    const rows: AssignmentRow[] = await tx.query(
      `SELECT ${ASSIGNMENT_COLUMNS} FROM ticket_assignments s
        WHERE s.ticket_id = $1 AND s.status IN ('assigned','accepted','in_progress')`,
      [ticketId],
    );
    return rows[0] ? rowToAssignment(rows[0]) : null;
  }

  /** Ends the live assignment because the ticket moved on (to another agent, or to nobody). */
  async endAsTransferred(
    tx: EntityManager,
    ticketId: string,
    by: string | null,
    to: string | null,
    reason: string | null,
  ): Promise<void> {
    await tx.query(
      `UPDATE ticket_assignments
          SET status = 'transferred', transferred_at = clock_timestamp(), transferred_by = $2,
              transferred_to = $3, transfer_reason = $4
        WHERE ticket_id = $1 AND status IN ('assigned','accepted','in_progress')`,
      [ticketId, by, to, reason],
    );
  }

  async markAccepted(tx: EntityManager, id: string): Promise<TicketAssignmentEntity> {
    const rows = await sql<AssignmentRow>(
      tx,
      `UPDATE ticket_assignments s SET status = 'accepted', accepted_at = clock_timestamp()
        WHERE s.id = $1 RETURNING ${ASSIGNMENT_COLUMNS}`,
      [id],
    );
    return rowToAssignment(rows[0] as AssignmentRow);
  }

  /** The assignee started work (first public reply): assigned/accepted → in_progress. */
  async markStarted(tx: EntityManager, ticketId: string, agentId: string): Promise<void> {
    await tx.query(
      `UPDATE ticket_assignments SET status = 'in_progress', started_at = clock_timestamp()
        WHERE ticket_id = $1 AND agent_id = $2 AND status IN ('assigned','accepted')`,
      [ticketId, agentId],
    );
  }

  /** The ticket was solved or closed: its live assignment is completed. */
  async complete(tx: EntityManager, ticketId: string): Promise<void> {
    await tx.query(
      `UPDATE ticket_assignments SET status = 'completed', completed_at = clock_timestamp()
        WHERE ticket_id = $1 AND status IN ('assigned','accepted','in_progress')`,
      [ticketId],
    );
  }

  async history(
    ticketId: string,
    q: { limit: number; cursor?: string | undefined },
  ): Promise<Page<TicketAssignmentEntity>> {
    const params: unknown[] = [ticketId, q.limit + 1];
    let after = '';
    if (q.cursor) {
      const [at, id] = decodeCursor(q.cursor, 'assignments', ['timestamp', 'uuid']);
      params.push(at, id);
      after = `AND (s.assigned_at, s.id) > ($3::timestamptz, $4::uuid)`;
    }
    const rows: AssignmentRow[] = await this.db.query(
      `SELECT ${ASSIGNMENT_COLUMNS} FROM ticket_assignments s
        WHERE s.ticket_id = $1 ${after}
        ORDER BY s.assigned_at, s.id LIMIT $2`,
      params,
    );
    return pageOf(rows.map(rowToAssignment), q.limit, 'assignments', (r) => [
      r.assignedAt.toISOString(),
      r.id,
    ]);
  }

  /**
   * Unsolved tickets (new, open, pending, on hold) held by deactivated agents, or by this one
   * if it is deactivated, in id order after `afterId`.
   */
  async ticketsHeldByInactive(
    agentId: string | null,
    afterId: string | null,
    limit: number,
  ): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT t.id FROM tickets t JOIN agents a ON a.id = t.assignee_id
        WHERE NOT a.active AND ($1::uuid IS NULL OR a.id = $1::uuid)
          AND t.deleted_at IS NULL AND t.status NOT IN ('solved','closed')
          AND ($2::uuid IS NULL OR t.id > $2::uuid)
        ORDER BY t.id LIMIT $3`,
      [agentId, afterId, limit],
    );
    return rows.map((r) => r.id);
  }

  async isActive(tx: EntityManager, agentId: string): Promise<boolean> {
    const rows: Array<{ active: boolean }> = await tx.query(`SELECT active FROM agents WHERE id = $1`, [
      agentId,
    ]);
    return rows[0]?.active ?? false;
  }

  /** Agent ids in id order, a page at a time (for the workload repair). */
  async agentIdsAfter(afterId: string | null, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM agents WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Recomputes the open-ticket counts of these agents from the tickets. The agent rows are
   * locked first, so every transaction that changed their tickets has committed (the trigger
   * holds the agent row until then) before the count is taken in a fresh statement.
   * Returns how many counts had drifted.
   */
  async recount(tx: EntityManager, agentIds: string[]): Promise<number> {
    await tx.query(`SELECT id FROM agents WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [agentIds]);
    const rows = await sql<{ id: string }>(
      tx,
      `UPDATE agents a SET open_tickets = c.n
         FROM (SELECT ag.id, count(t.id)::int AS n
                 FROM agents ag
                 LEFT JOIN tickets t ON t.assignee_id = ag.id AND t.deleted_at IS NULL
                                    AND t.status IN ('new','open','on_hold')
                WHERE ag.id = ANY($1::uuid[])
                GROUP BY ag.id) c
        WHERE a.id = c.id AND a.open_tickets <> c.n
        RETURNING a.id`,
      [agentIds],
    );
    return rows.length;
  }
}
