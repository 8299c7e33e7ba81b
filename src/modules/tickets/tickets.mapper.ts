import type { z } from 'zod';
import type { MessageEntity } from './message.entity';
import type { TicketEntity } from './ticket.entity';
import type { Message, Ticket, TicketSla } from './tickets.schemas';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toTicketDto(
  t: TicketEntity,
  sla: z.infer<typeof TicketSla> | null = null,
): z.infer<typeof Ticket> {
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    customerId: t.customerId,
    assigneeId: t.assigneeId,
    tags: t.tags,
    category: t.category,
    metadata: t.metadata,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    firstRespondedAt: iso(t.firstRespondedAt),
    resolvedAt: iso(t.resolvedAt),
    sla,
  };
}

export function toMessageDto(m: MessageEntity): z.infer<typeof Message> {
  return {
    id: m.id,
    ticketId: m.ticketId,
    author: m.authorType,
    agentId: m.agentId,
    customerId: m.customerId,
    body: m.body,
    bodyHtml: m.bodyHtml,
    internal: m.internal,
    attachments: m.attachments,
    deliveryStatus: m.deliveryStatus,
    readAt: iso(m.readAt),
    readBy: m.readBy,
    editedAt: iso(m.editedAt),
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}
