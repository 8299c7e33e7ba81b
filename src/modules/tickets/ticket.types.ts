export const ticketStatuses = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];
export const ticketPriorities = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof ticketPriorities)[number];
export const ticketChannels = ['email', 'chat', 'phone', 'web', 'shopify', 'gorgias', 'slack'] as const;
export type TicketChannel = (typeof ticketChannels)[number];

/** Statuses that count as an agent's open work (a pending ticket waits on the customer). */
export const openStatuses: readonly TicketStatus[] = ['new', 'open', 'on_hold'];

export interface TicketMetadata {
  source?: string;
  utmParams?: Record<string, string>;
  referrer?: string;
  [key: string]: unknown;
}

/** What changed in a ticket update: field → [before, after]. */
export type TicketChanges = Partial<{
  status: [TicketStatus, TicketStatus];
  priority: [TicketPriority, TicketPriority];
  subject: [string, string];
  tags: [string[], string[]];
  category: [string | null, string | null];
  assigneeId: [string | null, string | null];
}>;
