import { sql } from '../../platform/db/sql';
import type { DataSource, EntityManager } from 'typeorm';
import type { Page } from '../../platform/http/common.schemas';
import { decodeCursor, pageOf, type CursorShape, type CursorValue } from '../../platform/http/cursor';
import type { TicketEntity } from './ticket.entity';
import type { TicketChannel, TicketMetadata, TicketPriority, TicketStatus } from './ticket.types';
import type { ListTicketsInput, TicketSort } from './tickets.schemas';

export const TICKET_COLUMNS = `t.id, t.number, t.subject, t.status, t.priority, t.channel, t.customer_id, t.assignee_id,
  t.tags, t.category, t.metadata, t.first_responded_at, t.resolved_at, t.closed_at, t.created_at, t.updated_at`;

export interface TicketRow {
  id: string;
  number: string;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  channel: TicketChannel;
  customer_id: string;
  assignee_id: string | null;
  tags: string[];
  category: string | null;
  metadata: TicketMetadata;
  first_responded_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** Selected by list queries only (the smart order's first key). */
  sla_due_at?: Date | null;
  customer_value?: number;
}

export function rowToTicket(r: TicketRow): TicketEntity {
  return {
    id: r.id,
    number: Number(r.number),
    subject: r.subject,
    status: r.status,
    priority: r.priority,
    channel: r.channel,
    customerId: r.customer_id,
    assigneeId: r.assignee_id,
    tags: r.tags,
    category: r.category,
    metadata: r.metadata,
    firstRespondedAt: r.first_responded_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: null,
  };
}

export interface NewTicket {
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  channel: TicketChannel;
  customerId: string;
  tags: string[];
  category: string | null;
  metadata: TicketMetadata;
  createdAt: Date;
}

export type TicketPatch = Partial<{
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  tags: string[];
  category: string | null;
  assigneeId: string | null;
  firstRespondedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
}>;

const patchColumns: Record<keyof TicketPatch, string> = {
  subject: 'subject',
  status: 'status',
  priority: 'priority',
  tags: 'tags',
  category: 'category',
  assigneeId: 'assignee_id',
  firstRespondedAt: 'first_responded_at',
  resolvedAt: 'resolved_at',
  closedAt: 'closed_at',
};

/**
 * One part of a keyset ordering: a SQL expression over `t`, the type its cursor value is cast
 * to, the cursor shape, and the row's value. Every key of an ordering runs the same direction,
 * so "after this row" is a single row comparison that a btree index on the same expressions
 * seeks to directly (no OR chains, no offset).
 */
interface SortKey {
  expr: string;
  type: 'timestamptz' | 'smallint' | 'int' | 'numeric' | 'float8' | 'uuid';
  shape: CursorShape;
  value: (r: TicketRow) => CursorValue;
}

interface KeysetOrder {
  direction: 'ASC' | 'DESC';
  keys: SortKey[];
}

const createdAt: SortKey = {
  expr: 't.created_at',
  type: 'timestamptz',
  shape: 'timestamp',
  value: (r) => r.created_at.toISOString(),
};
const ticketId: SortKey = { expr: 't.id', type: 'uuid', shape: 'uuid', value: (r) => r.id };

const sorts: Record<TicketSort, KeysetOrder> = {
  /**
   * The work queue. Served for `status=<one status>` by tickets_sla_smart_idx, which lists the
   * same expressions after `status`; without a status by tickets_smart_all_idx; an agent's open
   * work by tickets_agent_queue_idx; unassigned open work by tickets_unassigned_idx. A new key
   * goes into all of them, in the same place.
   */
  smart: {
    direction: 'ASC',
    keys: [
      // 1. SLA urgency: the earliest running due time; a breached ticket (due in the past) comes
      //    first by itself; tickets with no running clock (paused, met, no policy) come last.
      {
        expr: `coalesce(t.sla_due_at, 'infinity'::timestamptz)`,
        type: 'timestamptz',
        shape: 'timestampOrInfinity',
        value: (r) => r.sla_due_at?.toISOString() ?? 'infinity',
      },
      // 2. Customer value (churn probability × lifetime value, kept on the ticket from cached
      //    intelligence), higher first.
      {
        expr: '(-t.customer_value)',
        type: 'float8',
        shape: 'number',
        value: (r) => -(r.customer_value ?? 0),
      },
      // 3. Priority, highest first.
      { expr: '(-t.priority_rank)', type: 'smallint', shape: 'int', value: (r) => -priorityRank(r.priority) },
      // 4. Age, oldest first; the id breaks ties.
      createdAt,
      ticketId,
    ],
  },
  created: { direction: 'DESC', keys: [createdAt, ticketId] },
  updated: {
    direction: 'DESC',
    keys: [
      {
        expr: 't.updated_at',
        type: 'timestamptz',
        shape: 'timestamp',
        value: (r) => r.updated_at.toISOString(),
      },
      ticketId,
    ],
  },
};

const orderByOf = (s: KeysetOrder) => s.keys.map((k) => `${k.expr} ${s.direction}`).join(', ');

function afterOf(s: KeysetOrder, p: (v: unknown) => string, values: CursorValue[]): string {
  const exprs = s.keys.map((k) => k.expr).join(', ');
  const vals = s.keys.map((k, i) => `${p(values[i])}::${k.type}`).join(', ');
  return `(${exprs}) ${s.direction === 'ASC' ? '>' : '<'} (${vals})`;
}

export function priorityRank(p: TicketPriority): number {
  return { urgent: 4, high: 3, normal: 2, low: 1 }[p];
}

export class TicketsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: EntityManager, t: NewTicket): Promise<TicketEntity> {
    const rows: TicketRow[] = await tx.query(
      `INSERT INTO tickets AS t (subject, status, priority, channel, customer_id, tags, category, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       RETURNING ${TICKET_COLUMNS}`,
      [t.subject, t.status, t.priority, t.channel, t.customerId, t.tags, t.category, t.metadata, t.createdAt],
    );
    return rowToTicket(rows[0] as TicketRow);
  }

  async findById(id: string, tx?: EntityManager): Promise<TicketEntity | null> {
    const rows: TicketRow[] = await (tx ?? this.db).query(
      `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.id = $1 AND t.deleted_at IS NULL`,
      [id],
    );
    return rows[0] ? rowToTicket(rows[0]) : null;
  }

  /** Locks the ticket for the rest of the transaction: writes to one ticket are serialised. */
  async lock(tx: EntityManager, id: string): Promise<TicketEntity | null> {
    const rows: TicketRow[] = await tx.query(
      `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.id = $1 AND t.deleted_at IS NULL FOR UPDATE`,
      [id],
    );
    return rows[0] ? rowToTicket(rows[0]) : null;
  }

  async update(tx: EntityManager, id: string, patch: TicketPatch): Promise<TicketEntity> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [field, value] of Object.entries(patch) as Array<[keyof TicketPatch, unknown]>) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${patchColumns[field]} = $${params.length}`);
    }
    sets.push('updated_at = now()');
    const rows = await sql<TicketRow>(
      tx,
      `UPDATE tickets t SET ${sets.join(', ')} WHERE t.id = $1 RETURNING ${TICKET_COLUMNS}`,
      params,
    );
    return rowToTicket(rows[0] as TicketRow);
  }

  async touch(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`UPDATE tickets SET updated_at = now() WHERE id = $1`, [id]);
  }

  async recordStatusChange(
    tx: EntityManager,
    ticketId: string,
    from: TicketStatus | null,
    to: TicketStatus,
    actorId: string | null,
    at?: Date,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ticket_status_changes (ticket_id, from_status, to_status, actor_id, created_at) VALUES ($1, $2, $3, $4, coalesce($5, now()))`,
      [ticketId, from, to, actorId, at ?? null],
    );
  }

  async softDelete(id: string): Promise<boolean> {
    const rows = await sql<{ id: string }>(
      this.db,
      `UPDATE tickets SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  async list(q: ListTicketsInput): Promise<Page<TicketEntity>> {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = ['t.deleted_at IS NULL'];
    if (q.status)
      where.push(
        q.status.length === 1 ? `t.status = ${p(q.status[0])}` : `t.status = ANY(${p(q.status)}::text[])`,
      );
    if (q.priority) where.push(`t.priority = ANY(${p(q.priority)}::text[])`);
    if (q.channel) where.push(`t.channel = ANY(${p(q.channel)}::text[])`);
    if (q.customerId) where.push(`t.customer_id = ${p(q.customerId)}`);
    if (q.assigneeId === 'none') where.push('t.assignee_id IS NULL');
    else if (q.assigneeId) where.push(`t.assignee_id = ${p(q.assigneeId)}`);
    if (q.tag) where.push(`t.tags @> ARRAY[${p(q.tag)}]::text[]`);
    if (q.category) where.push(`t.category = ${p(q.category)}`);
    if (q.q) where.push(`t.search_vector @@ websearch_to_tsquery('english', ${p(q.q)})`);
    const sort = sorts[q.sort];
    if (q.cursor)
      where.push(
        afterOf(
          sort,
          p,
          decodeCursor(
            q.cursor,
            q.sort,
            sort.keys.map((k) => k.shape),
          ),
        ),
      );
    const rows = await sql<TicketRow>(
      this.db,
      `SELECT ${TICKET_COLUMNS}, t.sla_due_at, t.customer_value FROM tickets t WHERE ${where.join(' AND ')}
        ORDER BY ${orderByOf(sort)} LIMIT ${p(q.limit + 1)}`,
      params,
    );
    const page = pageOf(rows, q.limit, q.sort, (r) => sort.keys.map((k) => k.value(r)));
    return { data: page.data.map(rowToTicket), nextCursor: page.nextCursor };
  }
}
