import sanitizeHtml from 'sanitize-html';
import type { Attachment, MessageEntity } from '../../tickets/message.entity';
import type { ExternalMessage } from '../../tickets/messages.service';
import type { TicketEntity } from '../../tickets/ticket.entity';
import type { TicketChannel, TicketPriority, TicketStatus } from '../../tickets/ticket.types';
import type {
  GorgiasMessage,
  GorgiasMessageInput,
  GorgiasPersonRef,
  GorgiasStatus,
  GorgiasTicket,
  GorgiasTicketInput,
} from './gorgias.client';

export const PROVIDER = 'gorgias';
export const INTERNAL_NOTE_CHANNEL = 'internal-note';

const maxBody = 65536;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Gorgias datetimes look like `2024-02-14T21:30:50.201204+00:00` (microseconds, offset, or
 * none at all meaning UTC). We keep milliseconds, like our timestamptz(3) columns.
 */
export function parseGorgiasDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const fraction = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const d = new Date(`${m[1]}.${fraction}${m[3] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Our status → Gorgias': Gorgias knows only open and closed. */
export function toGorgiasStatus(status: TicketStatus): GorgiasStatus {
  return status === 'solved' || status === 'closed' ? 'closed' : 'open';
}

/**
 * The status our ticket should move to, given Gorgias' status, or null to leave it: Gorgias
 * `closed` closes it; Gorgias `open` opens a new or solved ticket and leaves our finer open
 * states (pending, on hold) alone. A closed ticket is final here and is never reopened.
 */
export function statusFromGorgias(gorgias: string, current: TicketStatus | null): TicketStatus | null {
  if (gorgias === 'closed') return current === 'closed' ? null : 'closed';
  if (gorgias === 'open')
    return current === null || current === 'new' || current === 'solved' ? 'open' : null;
  return null;
}

export function priorityFromGorgias(priority: string | null | undefined): TicketPriority {
  switch (priority) {
    case 'critical':
    case 'urgent':
      return 'urgent';
    case 'high':
      return 'high';
    case 'low':
      return 'low';
    default:
      return 'normal';
  }
}

/** Gorgias tag names as our tags: lower-case, no commas, at most 64 characters, 30 tags. */
export function tagsFromGorgias(tags: GorgiasTicket['tags']): string[] {
  const out = new Set<string>();
  for (const t of tags ?? []) {
    const name = t.name.replace(/,/g, ' ').trim().toLowerCase().slice(0, 64).trim();
    if (name) out.add(name);
  }
  return [...out].slice(0, 30);
}

export function subjectFromGorgias(t: GorgiasTicket, messages: GorgiasMessage[] = []): string {
  const subject = t.subject?.trim() || messages.find((m) => m.subject?.trim())?.subject?.trim() || '';
  return (subject || `Gorgias ticket ${t.id}`).slice(0, 500);
}

export function isInternalNote(m: GorgiasMessage): boolean {
  return m.channel === INTERNAL_NOTE_CHANNEL || m.public === false;
}

/** Whether a webhook's message carries enough to be stored without asking the API. */
export function hasContent(m: Partial<GorgiasMessage>): boolean {
  return (
    typeof m.from_agent === 'boolean' &&
    typeof m.channel === 'string' &&
    (typeof m.body_text === 'string' || typeof m.body_html === 'string')
  );
}

export function htmlToText(html: string | null | undefined): string {
  if (!html) return '';
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .trim();
}

/** A Gorgias message as a message of ours: notes stay internal, agents' messages stay agents'. */
export function messageFromGorgias(m: GorgiasMessage): ExternalMessage {
  const internal = isInternalNote(m);
  const body = (m.body_text?.trim() || htmlToText(m.body_html)).slice(0, maxBody);
  const attachments: Attachment[] = (m.attachments ?? [])
    .filter((a) => /^https?:\/\//i.test(a.url))
    .map((a) => ({
      url: a.url,
      name: a.name?.trim() || 'attachment',
      ...(a.content_type ? { contentType: a.content_type } : {}),
      ...(typeof a.size === 'number' && a.size >= 0 ? { size: Math.round(a.size) } : {}),
    }));
  const createdAt = parseGorgiasDate(m.sent_datetime) ?? parseGorgiasDate(m.created_datetime);
  return {
    // A customer cannot write an internal note: a note is always an agent's.
    authorType: internal || m.from_agent ? 'agent' : 'customer',
    body,
    bodyHtml: m.body_html ?? null,
    internal,
    attachments,
    ...(createdAt ? { createdAt } : {}),
  };
}

/** Oldest first (by send time, then id), as they must be applied. */
export function sortMessages(messages: GorgiasMessage[]): GorgiasMessage[] {
  const at = (m: GorgiasMessage) =>
    (parseGorgiasDate(m.sent_datetime) ?? parseGorgiasDate(m.created_datetime))?.getTime() ?? 0;
  return [...messages].sort((a, b) => at(a) - at(b) || a.id - b.id);
}

/** Our id carried in Gorgias' `external_id`, when it is one (objects we pushed). */
export function ourIdIn(externalId: string | null | undefined): string | null {
  return externalId && uuidPattern.test(externalId) ? externalId.toLowerCase() : null;
}

/** Customers Gorgias knows without an email (chat, phone) get a reserved, never-deliverable one. */
export function placeholderEmail(gorgiasCustomerId: number | null): string {
  return `gorgias-customer-${gorgiasCustomerId ?? 'unknown'}@gorgias.invalid`;
}

export function gorgiasChannelOf(channel: TicketChannel): string {
  switch (channel) {
    case 'email':
    case 'chat':
    case 'phone':
      return channel;
    default:
      return 'api';
  }
}

export interface PushContext {
  ticket: TicketEntity;
  /** How Gorgias knows the customer: its id when linked, else the email (Gorgias creates it). */
  customer: GorgiasPersonRef;
  /** A deliverable address, when we have one (placeholders for email-less customers are not). */
  customerEmail: string | null;
  /** The Gorgias user the API key belongs to: the sender of our agents' replies and notes. */
  accountEmail: string;
}

export function isPlaceholderEmail(email: string): boolean {
  return email.endsWith('@gorgias.invalid');
}

/**
 * One of our messages as Gorgias should receive it:
 * - a note → `internal-note` (never sent);
 * - an agent's public reply → an outgoing email without `sent_datetime`, so Gorgias sends it;
 * - a customer's message recorded in the CRM → incoming, with `sent_datetime` (already happened).
 */
export function messageToGorgias(m: MessageEntity, ctx: PushContext): GorgiasMessageInput {
  const agent = { email: ctx.accountEmail };
  const base = {
    via: 'api' as const,
    body_text: m.body,
    ...(m.bodyHtml ? { body_html: m.bodyHtml } : {}),
    external_id: m.id,
    created_datetime: m.createdAt.toISOString(),
    ...(m.attachments.length > 0
      ? {
          attachments: m.attachments.map((a) => ({
            url: a.url,
            name: a.name,
            ...(a.contentType ? { content_type: a.contentType } : {}),
            ...(a.size !== undefined ? { size: a.size } : {}),
          })),
        }
      : {}),
  };
  if (m.internal) {
    return { ...base, channel: INTERNAL_NOTE_CHANNEL, from_agent: true, public: false, sender: agent };
  }
  if (m.authorType === 'agent') {
    return {
      ...base,
      channel: 'email',
      from_agent: true,
      public: true,
      sender: agent,
      receiver: ctx.customer,
      subject: `Re: ${ctx.ticket.subject}`.slice(0, 500),
      ...(ctx.customerEmail
        ? {
            source: {
              type: 'email',
              from: { address: ctx.accountEmail },
              to: [{ address: ctx.customerEmail }],
            },
          }
        : {}),
    };
  }
  return { ...incoming(ctx, m.createdAt), ...base };
}

/** A customer's message that already happened (recorded, not to be sent). */
function incoming(ctx: PushContext, at: Date) {
  const channel = gorgiasChannelOf(ctx.ticket.channel);
  return {
    channel,
    via: 'api' as const,
    from_agent: false,
    public: true,
    sender: ctx.customer,
    subject: ctx.ticket.subject,
    ...(ctx.customerEmail
      ? {
          source: {
            type: channel,
            from: { address: ctx.customerEmail },
            to: [{ address: ctx.accountEmail }],
          },
        }
      : {}),
    sent_datetime: at.toISOString(),
  };
}

/** A CRM ticket as a new Gorgias ticket; Gorgias requires a first message, so the subject stands in when there is none. */
export function ticketToGorgias(messages: MessageEntity[], ctx: PushContext): GorgiasTicketInput {
  const gorgiasMessages: GorgiasMessageInput[] =
    messages.length > 0
      ? messages.map((m) => messageToGorgias(m, ctx))
      : [
          {
            ...incoming(ctx, ctx.ticket.createdAt),
            body_text: ctx.ticket.subject,
            created_datetime: ctx.ticket.createdAt.toISOString(),
          },
        ];
  return {
    external_id: ctx.ticket.id,
    subject: ctx.ticket.subject,
    channel: gorgiasChannelOf(ctx.ticket.channel),
    via: 'api',
    status: toGorgiasStatus(ctx.ticket.status),
    customer: ctx.customer,
    ...(ctx.ticket.tags.length > 0 ? { tags: ctx.ticket.tags.map((name) => ({ name })) } : {}),
    messages: gorgiasMessages,
    created_datetime: ctx.ticket.createdAt.toISOString(),
  };
}

/** The Gorgias message created for each of ours: by our id in `external_id`, else by position. */
export function matchCreatedMessages(
  ours: MessageEntity[],
  created: GorgiasMessage[],
): Array<[MessageEntity, GorgiasMessage]> {
  const byExternal = new Map<string, GorgiasMessage>();
  for (const g of created) {
    const ours = ourIdIn(g.external_id);
    if (ours) byExternal.set(ours, g);
  }
  const sorted = sortMessages(created);
  const pairs: Array<[MessageEntity, GorgiasMessage]> = [];
  ours.forEach((m, i) => {
    const g = byExternal.get(m.id) ?? (byExternal.size === 0 ? sorted[i] : undefined);
    if (g) pairs.push([m, g]);
  });
  return pairs;
}
