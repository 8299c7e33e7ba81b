import { z } from 'zod';

/*
 * Gorgias' REST resources as we read them. Schemas are loose (Gorgias adds fields freely) and
 * only demand what the sync relies on; everything else is optional.
 */

const gorgiasId = z.number().int().positive();

export const GorgiasCustomer = z.looseObject({
  id: gorgiasId,
  email: z.string().nullish(),
  name: z.string().nullish(),
});

export const GorgiasAttachment = z.looseObject({
  url: z.string(),
  name: z.string().nullish(),
  content_type: z.string().nullish(),
  size: z.number().nullish(),
});

export const GorgiasMessage = z.looseObject({
  id: gorgiasId,
  ticket_id: gorgiasId.nullish(),
  external_id: z.string().nullish(),
  public: z.boolean().nullish(),
  channel: z.string().nullish(),
  via: z.string().nullish(),
  from_agent: z.boolean().nullish(),
  sender: z.looseObject({ email: z.string().nullish(), name: z.string().nullish() }).nullish(),
  subject: z.string().nullish(),
  body_text: z.string().nullish(),
  body_html: z.string().nullish(),
  attachments: z.array(GorgiasAttachment).nullish(),
  created_datetime: z.string().nullish(),
  sent_datetime: z.string().nullish(),
});

export const GorgiasTicket = z.looseObject({
  id: gorgiasId,
  external_id: z.string().nullish(),
  status: z.string(),
  priority: z.string().nullish(),
  channel: z.string().nullish(),
  via: z.string().nullish(),
  subject: z.string().nullish(),
  customer: GorgiasCustomer.nullish(),
  tags: z.array(z.looseObject({ name: z.string() })).nullish(),
  messages: z.array(GorgiasMessage).nullish(),
  created_datetime: z.string(),
  updated_datetime: z.string().nullish(),
  closed_datetime: z.string().nullish(),
});

export const gorgiasList = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    data: z.array(item),
    meta: z.looseObject({ next_cursor: z.string().nullish(), prev_cursor: z.string().nullish() }).nullish(),
  });

export type GorgiasTicket = z.output<typeof GorgiasTicket>;
export type GorgiasMessage = z.output<typeof GorgiasMessage>;
export type GorgiasCustomer = z.output<typeof GorgiasCustomer>;

export interface GorgiasPage<T> {
  data: T[];
  nextCursor: string | null;
}

export type GorgiasStatus = 'open' | 'closed';

/** A user or customer as Gorgias accepts it in a request: by id, or by email. */
export type GorgiasPersonRef = { id: number } | { email: string; name?: string };

/** A message as we create it in Gorgias. */
export interface GorgiasMessageInput {
  channel: string;
  via: 'api';
  from_agent: boolean;
  public?: boolean;
  sender: GorgiasPersonRef;
  receiver?: GorgiasPersonRef;
  source?: { type: string; from: { address: string }; to: Array<{ address: string }> };
  subject?: string;
  body_text: string;
  body_html?: string;
  /** Our message id, so a message can be traced back to the CRM from Gorgias. */
  external_id?: string;
  created_datetime?: string;
  /** Set for messages that already happened (Gorgias then records them without sending). */
  sent_datetime?: string;
  attachments?: Array<{ url: string; name: string; content_type?: string; size?: number }>;
}

export interface GorgiasTicketInput {
  /** Our ticket id. */
  external_id: string;
  subject: string;
  channel: string;
  via: 'api';
  status: GorgiasStatus;
  customer: GorgiasPersonRef;
  tags?: Array<{ name: string }>;
  /** Gorgias requires at least one. */
  messages: GorgiasMessageInput[];
  created_datetime?: string;
}

/** The Gorgias REST API as the sync uses it. The HTTP implementation is rate-limited and retrying. */
export interface GorgiasClient {
  listTickets(q: { cursor?: string; limit: number }): Promise<GorgiasPage<GorgiasTicket>>;
  getTicket(id: number): Promise<GorgiasTicket>;
  listMessages(ticketId: number, q: { cursor?: string; limit: number }): Promise<GorgiasPage<GorgiasMessage>>;
  getMessage(ticketId: number, messageId: number): Promise<GorgiasMessage>;
  createTicket(input: GorgiasTicketInput): Promise<GorgiasTicket>;
  updateTicket(id: number, input: { status: GorgiasStatus }): Promise<GorgiasTicket>;
  createMessage(ticketId: number, input: GorgiasMessageInput): Promise<GorgiasMessage>;
}
