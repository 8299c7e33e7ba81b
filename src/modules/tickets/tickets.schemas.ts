import { z } from 'zod';
import { email, isoDate, listQuery, uuid } from '../../platform/http/common.schemas';
import { Customer } from '../customers/customers.schemas';
import { deliveryStatuses } from './message.entity';
import { ticketChannels, ticketPriorities, ticketStatuses } from './ticket.types';

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(64)
  .regex(/^[^,\s][^,]*$/, 'must not contain commas');
const tags = z
  .array(tag)
  .max(30)
  .transform((t) => [...new Set(t)]);
const subject = z.string().trim().min(1).max(500);
const category = z.string().trim().min(1).max(100);
export const messageBody = z.string().trim().min(1).max(65536);

const metadata = z
  .object({
    source: z.string().max(200).optional(),
    utmParams: z.record(z.string().max(64), z.string().max(500)).optional(),
    referrer: z.string().max(2000).optional(),
  })
  .catchall(z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= 30, 'at most 30 keys');

export const Attachment = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    name: z.string().trim().min(1).max(255),
    contentType: z.string().max(255).optional(),
    size: z
      .number()
      .int()
      .min(0)
      .max(1024 * 1024 * 1024)
      .optional(),
  })
  .strict()
  .meta({ id: 'Attachment' });

export const TicketSla = z
  .object({
    policyId: uuid.nullable(),
    firstResponseDueAt: isoDate.nullable(),
    resolutionDueAt: isoDate.nullable(),
    firstResponseBreached: z.boolean(),
    resolutionBreached: z.boolean(),
    paused: z.boolean(),
    // Added by the SLA engine (issue 5).
    nextReplyDueAt: isoDate.nullable(),
    nextReplyBreached: z.boolean(),
    pausedMinutes: z.number().int(),
    remainingMinutes: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Business minutes to the most urgent open target (negative once overdue)' }),
    dueAt: isoDate.nullable().meta({ description: 'The earliest running due time (the smart-queue key)' }),
  })
  .meta({ id: 'TicketSlaSummary' });

export const Ticket = z
  .object({
    id: uuid,
    number: z.number().int(),
    subject: z.string(),
    status: z.enum(ticketStatuses),
    priority: z.enum(ticketPriorities),
    channel: z.enum(ticketChannels),
    customerId: uuid,
    assigneeId: uuid.nullable(),
    tags: z.array(z.string()),
    category: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: isoDate,
    updatedAt: isoDate,
    firstRespondedAt: isoDate.nullable(),
    resolvedAt: isoDate.nullable(),
    sla: TicketSla.nullable(),
  })
  .meta({ id: 'Ticket' });

export const TicketDetail = Ticket.extend({
  customer: Customer,
  enrichment: z.record(z.string(), z.unknown()).optional(),
}).meta({ id: 'TicketDetail' });

export const CreateTicketBody = z
  .object({
    subject,
    body: messageBody.optional(),
    customerId: uuid.optional(),
    customer: z
      .object({ email, name: z.string().trim().min(1).max(200).optional() })
      .strict()
      .optional(),
    priority: z.enum(ticketPriorities).default('normal'),
    channel: z.enum(ticketChannels).default('web'),
    tags: tags.default([]),
    category: category.optional(),
    metadata: metadata.default({}),
    createdAt: z.iso
      .datetime({ offset: true })
      .transform((s) => new Date(s))
      .refine((d) => d.getTime() <= Date.now() + 60_000, 'must not be in the future')
      .optional()
      .meta({ description: 'Admins and leads only: the original creation time of an imported ticket' }),
  })
  .strict()
  .refine((b) => Boolean(b.customerId) !== Boolean(b.customer), {
    message: 'give exactly one of customerId or customer',
    path: ['customerId'],
  })
  .meta({ id: 'CreateTicket' });

export const UpdateTicketBody = z
  .object({
    subject,
    status: z.enum(ticketStatuses),
    priority: z.enum(ticketPriorities),
    tags,
    category: category.nullable(),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
  .meta({ id: 'UpdateTicket' });

const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).min(1).max(values.length));

export const ticketSorts = ['smart', 'created', 'updated'] as const;
export type TicketSort = (typeof ticketSorts)[number];

export const ListTicketsQuery = listQuery.extend({
  status: csv(ticketStatuses).optional().meta({ description: 'One status or a comma-separated list' }),
  priority: csv(ticketPriorities).optional(),
  channel: csv(ticketChannels).optional(),
  customerId: uuid.optional(),
  assigneeId: z
    .union([uuid, z.literal('none')])
    .optional()
    .meta({ description: 'An agent id, or `none` for unassigned' }),
  tag: tag.optional(),
  category: category.optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Full-text search over subject and public messages' }),
  sort: z.enum(ticketSorts).default('smart'),
});

export const Message = z
  .object({
    id: uuid,
    ticketId: uuid,
    author: z.enum(['agent', 'customer']),
    agentId: uuid.nullable(),
    customerId: uuid.nullable(),
    body: z.string(),
    bodyHtml: z.string().nullable(),
    internal: z.boolean(),
    attachments: z.array(Attachment),
    deliveryStatus: z.enum(deliveryStatuses),
    readAt: isoDate.nullable(),
    readBy: uuid.nullable(),
    editedAt: isoDate.nullable(),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'Message' });

export const CreateMessageBody = z
  .object({
    body: messageBody,
    bodyHtml: z.string().max(262144).optional(),
    internal: z.boolean().default(false),
    author: z.enum(['agent', 'customer']).default('agent'),
    attachments: z.array(Attachment).max(20).default([]),
  })
  .strict()
  .refine((m) => !(m.internal && m.author === 'customer'), {
    message: 'a customer message cannot be an internal note',
    path: ['internal'],
  })
  .meta({ id: 'CreateMessage' });

export const UpdateMessageBody = z
  .object({ body: messageBody, bodyHtml: z.string().max(262144).nullable() })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
  .meta({ id: 'UpdateMessage' });

export const ListMessagesQuery = listQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).default(100),
});

export type CreateTicketInput = z.output<typeof CreateTicketBody>;
export type UpdateTicketInput = z.output<typeof UpdateTicketBody>;
export type ListTicketsInput = z.output<typeof ListTicketsQuery>;
export type CreateMessageInput = z.output<typeof CreateMessageBody>;
export type UpdateMessageInput = z.output<typeof UpdateMessageBody>;
export type ListMessagesInput = z.output<typeof ListMessagesQuery>;
