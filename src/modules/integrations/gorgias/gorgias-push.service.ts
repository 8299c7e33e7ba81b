import type { DataSource } from 'typeorm';
import type { DomainEventMap } from '../../../platform/events/domain-events';
import type { Logger } from '../../../platform/logging/logger';
import type { QueueService } from '../../../platform/queue/queue.service';
import type { CustomersService } from '../../customers/customers.service';
import type { MessagesService } from '../../tickets/messages.service';
import type { TicketsService } from '../../tickets/tickets.service';
import type { ExternalLinksRepository } from './external-links.repository';
import type { GorgiasClient } from './gorgias.client';
import type { GorgiasSettings } from './gorgias.config';
import { GorgiasNotConfiguredError } from './gorgias.errors';
import {
  isPlaceholderEmail,
  matchCreatedMessages,
  messageToGorgias,
  ticketToGorgias,
  toGorgiasStatus,
  type PushContext,
} from './gorgias.mapper';
import type { GorgiasLocks } from './gorgias-locks';

export interface PushDeps {
  db: DataSource;
  settings: GorgiasSettings;
  client: GorgiasClient | null;
  links: ExternalLinksRepository;
  locks: GorgiasLocks;
  tickets: TicketsService;
  messages: MessagesService;
  customers: CustomersService;
  queues: QueueService;
  logger: Logger;
}

/** Pushes must survive a Gorgias outage of an hour: 12 attempts, 2 s doubling (≈ 68 min in all). */
export const pushJobOptions = { attempts: 12, backoff: { type: 'exponential', delay: 2000 } } as const;

/** A push that cannot happen and will not be able to later (reported, not retried). */
export class PushImpossible extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PushImpossible';
  }
}

export type PushResult =
  | { pushed: 'ticket'; gorgiasTicketId: number }
  | { pushed: 'message'; gorgiasMessageId: number; gorgiasTicketId: number }
  | { pushed: 'status'; status: string; gorgiasTicketId: number }
  | { skipped: string };

/**
 * CRM → Gorgias. Listeners turn domain events into jobs (deterministic ids, retries); jobs create
 * the object in Gorgias and store its id. Everything is checked against `external_links` first:
 * an object that came from Gorgias, or was already pushed, is never sent again.
 */
export class GorgiasPushService {
  constructor(private readonly d: PushDeps) {}

  get enabled(): boolean {
    return this.d.client !== null && this.d.settings.push;
  }

  private client(): GorgiasClient {
    if (!this.d.client) throw new GorgiasNotConfiguredError();
    return this.d.client;
  }

  // --- Listeners: decide cheaply, enqueue; the job re-checks everything. ---

  async onTicketCreated(e: DomainEventMap['ticket.created']): Promise<void> {
    if (!this.enabled || (await this.d.links.byEntity('ticket', e.ticketId))) return;
    await this.d.queues.add(
      'gorgias.push-ticket',
      { ticketId: e.ticketId },
      { ...pushJobOptions, jobId: `push-ticket-${e.ticketId}` },
    );
  }

  async onMessageCreated(e: DomainEventMap['message.created']): Promise<void> {
    // A message that came from Gorgias was linked in its own transaction: nothing to send back.
    if (!this.enabled || (await this.d.links.byEntity('message', e.messageId))) return;
    await this.d.queues.add(
      'gorgias.push-message',
      { messageId: e.messageId },
      { ...pushJobOptions, jobId: `push-message-${e.messageId}` },
    );
  }

  async onTicketUpdated(e: DomainEventMap['ticket.updated'], at: string): Promise<void> {
    const change = e.changes.status;
    if (!this.enabled || !change) return;
    const wanted = toGorgiasStatus(change[1]);
    if (toGorgiasStatus(change[0]) === wanted) return; // e.g. open → pending: still "open" there
    const link = await this.d.links.byEntity('ticket', e.ticketId);
    if (link?.externalStatus === wanted) return; // Gorgias is already there (the change came from it)
    await this.d.queues.add(
      'gorgias.push-status',
      { ticketId: e.ticketId },
      { ...pushJobOptions, jobId: `push-status-${e.ticketId}-${Date.parse(at)}` },
    );
  }

  // --- Jobs ---

  async pushTicket(ticketId: string): Promise<PushResult> {
    if (await this.d.links.byEntity('ticket', ticketId)) return { skipped: 'already in Gorgias' };
    const gorgiasTicketId = await this.ensureTicket(ticketId);
    return { pushed: 'ticket', gorgiasTicketId };
  }

  async pushMessage(messageId: string): Promise<PushResult> {
    if (await this.d.links.byEntity('message', messageId)) return { skipped: 'already in Gorgias' };
    const message = await this.d.messages.getForIntegration(messageId);
    // Creating the ticket sends every message it has, this one included.
    const gorgiasTicketId = await this.ensureTicket(message.ticketId);
    return this.d.locks.withTicket(String(gorgiasTicketId), async () => {
      if (await this.d.links.byEntity('message', messageId)) return { skipped: 'already in Gorgias' };
      const ctx = await this.context(message.ticketId);
      const created = await this.client().createMessage(gorgiasTicketId, messageToGorgias(message, ctx));
      await this.d.links.insert(
        { entityType: 'message', entityId: messageId, externalId: String(created.id), origin: 'crm' },
        { ifAbsent: true },
      );
      return { pushed: 'message', gorgiasMessageId: created.id, gorgiasTicketId };
    });
  }

  /** Makes Gorgias' status (open|closed) match the ticket's current status. */
  async pushStatus(ticketId: string): Promise<PushResult> {
    // Not in Gorgias yet: created now (with the status of this moment), or by a creation in
    // flight that may carry an older status, so the comparison below runs in every case.
    const gorgiasTicketId = await this.ensureTicket(ticketId);
    return this.d.locks.withTicket(String(gorgiasTicketId), async () => {
      const link = await this.d.links.byEntity('ticket', ticketId);
      if (!link) return { skipped: 'not linked' };
      const ticket = await this.d.tickets.get(ticketId);
      const status = toGorgiasStatus(ticket.status);
      if (link.externalStatus === status) return { skipped: `already ${status} in Gorgias` };
      await this.client().updateTicket(gorgiasTicketId, { status });
      await this.d.links.updateState('ticket', ticketId, { externalStatus: status });
      return { pushed: 'status', status, gorgiasTicketId };
    });
  }

  /**
   * The ticket's Gorgias id, creating it there first if needed (with all its messages, linked in
   * one transaction). Creations are serialised by the creation lock, which webhooks and imports
   * wait on before treating a Gorgias ticket as unknown.
   */
  private async ensureTicket(ticketId: string): Promise<number> {
    const linked = await this.d.links.byEntity('ticket', ticketId);
    if (linked) return Number(linked.externalId);
    return this.d.locks.withCreation(async () => {
      const again = await this.d.links.byEntity('ticket', ticketId);
      if (again) return Number(again.externalId);
      const ctx = await this.context(ticketId);
      const messages = await this.d.messages.allForIntegration(ticketId);
      const input = ticketToGorgias(messages, ctx);
      const client = this.client();
      const created = await client.createTicket(input);
      const createdMessages =
        created.messages && created.messages.length > 0
          ? created.messages
          : (await client.listMessages(created.id, { limit: 100 })).data;
      await this.d.db.transaction(async (tx) => {
        await this.d.links.insert(
          {
            entityType: 'ticket',
            entityId: ticketId,
            externalId: String(created.id),
            origin: 'crm',
            externalStatus: input.status,
          },
          { tx },
        );
        for (const [ours, theirs] of matchCreatedMessages(messages, createdMessages)) {
          await this.d.links.insert(
            { entityType: 'message', entityId: ours.id, externalId: String(theirs.id), origin: 'crm' },
            { tx, ifAbsent: true },
          );
        }
        if (created.customer) {
          await this.d.links.insert(
            {
              entityType: 'customer',
              entityId: ctx.ticket.customerId,
              externalId: String(created.customer.id),
              origin: 'crm',
            },
            { tx, ifAbsent: true },
          );
        }
      });
      this.d.logger.info({ ticketId, gorgiasTicketId: created.id }, 'ticket created in Gorgias');
      return created.id;
    });
  }

  private async context(ticketId: string): Promise<PushContext> {
    const account = this.d.settings.account;
    if (!account) throw new GorgiasNotConfiguredError();
    const ticket = await this.d.tickets.get(ticketId);
    const customer = await this.d.customers.get(ticket.customerId);
    const link = await this.d.links.byEntity('customer', customer.id);
    const email = customer.email && !isPlaceholderEmail(customer.email) ? customer.email : null;
    if (!link && !email) throw new PushImpossible('the customer has no email address; Gorgias needs one');
    return {
      ticket,
      customer: link
        ? { id: Number(link.externalId) }
        : { email: email ?? '', ...(customer.name ? { name: customer.name } : {}) },
      customerEmail: email,
      accountEmail: account.email,
    };
  }
}
