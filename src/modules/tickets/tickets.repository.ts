import { sql } from '../../platform/db/sql';
import type { DataSource, EntityManager } from 'typeorm';
import type { Page } from '../../platform/http/common.schemas';
import { decodeCursor, pageOf, type CursorShape } from '../../platform/http/cursor';
import type { TicketEntity } from './ticket.entity';
import type { TicketChannel, TicketMetadata, TicketPriority, TicketStatus } from './ticket.types';
import type { ListTicketsInput } from './tickets.schemas';

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

/** Keyset orderings: the ORDER BY, the cursor values of a row, and the "after this row" predicate. */
const sorts = {
  smart: {
    orderBy: 't.priority_rank DESC, t.created_at ASC, t.id ASC',
    shapes: ['int', 'timestamp', 'uuid'] as CursorShape[],
    key: (t: TicketEntity) => [priorityRank(t.priority), t.createdAt.toISOString(), t.id],
    after: (p: (v: unknown) => string, [rank, created, id]: unknown[]) =>
      `(t.priority_rank < ${p(rank)} OR (t.priority_rank = ${p(rank)} AND (t.created_at, t.id) > (${p(created)}::timestamptz, ${p(id)}::uuid)))`,
  },
  created: {
    orderBy: 't.created_at DESC, t.id DESC',
    shapes: ['timestamp', 'uuid'] as CursorShape[],
    key: (t: TicketEntity) => [t.createdAt.toISOString(), t.id],
    after: (p: (v: unknown) => string, [created, id]: unknown[]) =>
      `(t.created_at, t.id) < (${p(created)}::timestamptz, ${p(id)}::uuid)`,
  },
  updated: {
    orderBy: 't.updated_at DESC, t.id DESC',
    shapes: ['timestamp', 'uuid'] as CursorShape[],
    key: (t: TicketEntity) => [t.updatedAt.toISOString(), t.id],
    after: (p: (v: unknown) => string, [updated, id]: unknown[]) =>
      `(t.updated_at, t.id) < (${p(updated)}::timestamptz, ${p(id)}::uuid)`,
  },
} as const;

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
    const rows: Array<{ id: string }> = await this.db.query(
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
    if (q.cursor) where.push(sort.after(p, decodeCursor(q.cursor, q.sort, sort.shapes)));
    const rows: TicketRow[] = await this.db.query(
      `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE ${where.join(' AND ')} ORDER BY ${sort.orderBy} LIMIT ${p(q.limit + 1)}`,
      params,
    );
    return pageOf(rows.map(rowToTicket), q.limit, q.sort, sort.key);
  }
}
