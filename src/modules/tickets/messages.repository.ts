import type { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, pageOf } from '../../platform/http/cursor';
import type { Page } from '../../platform/http/common.schemas';
import type { Attachment, AuthorType, DeliveryStatus, MessageEntity } from './message.entity';
import { queryRows } from '../../platform/db/query-rows';

const MESSAGE_COLUMNS = `m.id, m.ticket_id, m.author_type, m.agent_id, m.customer_id, m.body, m.body_html, m.internal,
  m.attachments, m.delivery_status, m.read_at, m.read_by, m.edited_at, m.created_at, m.updated_at`;

interface MessageRow {
  id: string;
  ticket_id: string;
  author_type: AuthorType;
  agent_id: string | null;
  customer_id: string | null;
  body: string;
  body_html: string | null;
  internal: boolean;
  attachments: Attachment[];
  delivery_status: DeliveryStatus;
  read_at: Date | null;
  read_by: string | null;
  edited_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toEntity = (r: MessageRow): MessageEntity => ({
  id: r.id,
  ticketId: r.ticket_id,
  authorType: r.author_type,
  agentId: r.agent_id,
  customerId: r.customer_id,
  body: r.body,
  bodyHtml: r.body_html,
  internal: r.internal,
  attachments: r.attachments,
  deliveryStatus: r.delivery_status,
  readAt: r.read_at,
  readBy: r.read_by,
  editedAt: r.edited_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deletedAt: null,
});

export interface NewMessage {
  ticketId: string;
  authorType: AuthorType;
  agentId: string | null;
  customerId: string | null;
  body: string;
  bodyHtml: string | null;
  internal: boolean;
  attachments: Attachment[];
  createdAt?: Date;
}

export class MessagesRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: EntityManager, m: NewMessage): Promise<MessageEntity> {
    const rows: MessageRow[] = await tx.query(
      `INSERT INTO messages AS m (ticket_id, author_type, agent_id, customer_id, body, body_html, internal, attachments, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()), coalesce($9, now()))
       RETURNING ${MESSAGE_COLUMNS}`,
      [
        m.ticketId,
        m.authorType,
        m.agentId,
        m.customerId,
        m.body,
        m.bodyHtml,
        m.internal,
        JSON.stringify(m.attachments),
        m.createdAt ?? null,
      ],
    );
    return toEntity(rows[0] as MessageRow);
  }

  async findById(id: string, tx?: EntityManager): Promise<MessageEntity | null> {
    const rows: MessageRow[] = await (tx ?? this.db).query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN tickets t ON t.id = m.ticket_id
        WHERE m.id = $1 AND m.deleted_at IS NULL AND t.deleted_at IS NULL`,
      [id],
    );
    return rows[0] ? toEntity(rows[0]) : null;
  }

  async list(
    ticketId: string,
    opts: { includeInternal: boolean; limit: number; cursor?: string },
  ): Promise<Page<MessageEntity>> {
    const params: unknown[] = [ticketId];
    let where = 'm.ticket_id = $1 AND m.deleted_at IS NULL';
    if (!opts.includeInternal) where += ' AND NOT m.internal';
    if (opts.cursor) {
      const [createdAt, id] = decodeCursor(opts.cursor, 'messages', ['timestamp', 'uuid']);
      params.push(createdAt, id);
      where += ` AND (m.created_at, m.id) > ($2::timestamptz, $3::uuid)`;
    }
    params.push(opts.limit + 1);
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE ${where} ORDER BY m.created_at, m.id LIMIT $${params.length}`,
      params,
    );
    return pageOf(rows.map(toEntity), opts.limit, 'messages', (m) => [m.createdAt.toISOString(), m.id]);
  }

  async update(
    tx: EntityManager,
    id: string,
    changes: { body?: string; bodyHtml?: string | null },
  ): Promise<MessageEntity> {
    const rows = queryRows<MessageRow>(
      await tx.query(
        `UPDATE messages m SET body = coalesce($2, body),
              body_html = CASE WHEN $3::boolean THEN $4 ELSE body_html END,
              edited_at = now(), updated_at = now()
        WHERE m.id = $1 RETURNING ${MESSAGE_COLUMNS}`,
        [id, changes.body ?? null, changes.bodyHtml !== undefined, changes.bodyHtml ?? null],
      ),
    );
    return toEntity(rows[0] as MessageRow);
  }

  async softDelete(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`UPDATE messages SET deleted_at = now(), updated_at = now() WHERE id = $1`, [id]);
  }

  async markRead(id: string, agentId: string): Promise<MessageEntity | null> {
    await this.db.query(
      `UPDATE messages SET read_at = now(), read_by = $2 WHERE id = $1 AND read_at IS NULL`,
      [id, agentId],
    );
    return this.findById(id);
  }

  /** The latest live message id per ticket (drafts and caches key on it). */
  async lastMessageId(ticketId: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM messages WHERE ticket_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`,
      [ticketId],
    );
    return rows[0]?.id ?? null;
  }
}
