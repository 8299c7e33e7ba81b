import type { DataSource } from 'typeorm';
import { ForbiddenError, NotFoundError } from '../../platform/errors/app-error';
import type { EventBus } from '../../platform/events/event-bus';
import type { Page } from '../../platform/http/common.schemas';
import { isLeadOrAdmin, type Actor } from '../../platform/security/actor';
import type { CustomersService } from '../customers/customers.service';
import { sanitizeMessageHtml } from './html-sanitizer';
import type { MessageEntity } from './message.entity';
import type { MessagesRepository } from './messages.repository';
import { assertCanWork, canReadInternal } from './ticket-access';
import type { TicketHooks } from './ticket-hooks';
import {
  assertTicketEditable,
  statusAfterAgentReply,
  statusAfterCustomerMessage,
  statusEffects,
} from './ticket-status';
import type { TicketStatus } from './ticket.types';
import type { CreateMessageInput, ListMessagesInput, UpdateMessageInput } from './tickets.schemas';
import type { TicketPatch, TicketsRepository } from './tickets.repository';
import type { IntegrationWriteOptions } from './tickets.service';

export interface ExternalMessage {
  authorType: 'agent' | 'customer';
  body: string;
  bodyHtml?: string | null;
  internal: boolean;
  attachments?: MessageEntity['attachments'];
  createdAt?: Date;
}

export class MessagesService {
  constructor(
    private readonly db: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly messages: MessagesRepository,
    private readonly customers: CustomersService,
    private readonly hooks: TicketHooks,
    private readonly events: EventBus,
  ) {}

  /**
   * Adds a message. An agent's first public reply sets firstRespondedAt (and opens a new
   * ticket); a customer message reopens a pending or solved ticket. Internal notes change
   * nothing but the conversation. Agents may leave notes on any ticket, but reply only on
   * their own or unassigned ones.
   */
  async add(actor: Actor, ticketId: string, input: CreateMessageInput): Promise<MessageEntity> {
    return this.write(ticketId, actor, {
      authorType: input.author,
      body: input.body,
      bodyHtml: input.bodyHtml ?? null,
      internal: input.internal,
      attachments: input.attachments,
    });
  }

  /** The same rules for messages arriving from an integration (no acting agent). */
  addFromIntegration(
    ticketId: string,
    message: ExternalMessage,
    opts: IntegrationWriteOptions<MessageEntity> = {},
  ): Promise<MessageEntity> {
    return this.write(ticketId, null, message, opts);
  }

  private async write(
    ticketId: string,
    actor: Actor | null,
    input: ExternalMessage,
    opts: IntegrationWriteOptions<MessageEntity> = {},
  ): Promise<MessageEntity> {
    const { message, statusChange } = await this.db.transaction(async (tx) => {
      const ticket = await this.tickets.lock(tx, ticketId);
      if (!ticket) throw new NotFoundError('Ticket');
      if (actor && !input.internal) assertCanWork(actor, ticket);
      assertTicketEditable(ticket.status);
      const at = input.createdAt ?? new Date();
      const message = await this.messages.insert(tx, {
        ticketId,
        authorType: input.authorType,
        agentId: actor?.id ?? null,
        customerId: input.authorType === 'customer' ? ticket.customerId : null,
        body: input.body,
        bodyHtml: input.bodyHtml ? sanitizeMessageHtml(input.bodyHtml) : null,
        internal: input.internal,
        attachments: input.attachments ?? [],
        createdAt: at,
      });
      const patch: TicketPatch = {};
      let next: TicketStatus = ticket.status;
      if (input.authorType === 'customer') {
        next = statusAfterCustomerMessage(ticket.status);
        await this.customers.touchLastContact(tx, ticket.customerId, at);
      } else if (!input.internal) {
        next = statusAfterAgentReply(ticket.status);
        if (!ticket.firstRespondedAt) patch.firstRespondedAt = at;
      }
      let statusChange: [TicketStatus, TicketStatus] | null = null;
      if (next !== ticket.status) {
        patch.status = next;
        Object.assign(patch, statusEffects(ticket.status, next, at));
        await this.tickets.recordStatusChange(tx, ticketId, ticket.status, next, actor?.id ?? null);
        statusChange = [ticket.status, next];
      }
      const updated = await this.tickets.update(tx, ticketId, patch);
      if (statusChange) await this.hooks.afterUpdate(tx, ticket, updated);
      await this.hooks.afterMessage(tx, updated, message);
      await opts.inTransaction?.(tx, message);
      return { message, statusChange };
    });
    this.events.publish('message.created', {
      ticketId,
      messageId: message.id,
      authorType: message.authorType,
      agentId: message.agentId,
      internal: message.internal,
      reopened: statusChange !== null && input.authorType === 'customer',
    });
    if (statusChange) {
      this.events.publish('ticket.updated', {
        ticketId,
        changes: { status: statusChange },
        actorId: actor?.id ?? null,
      });
    }
    return message;
  }

  async list(actor: Actor, ticketId: string, query: ListMessagesInput): Promise<Page<MessageEntity>> {
    if (!(await this.tickets.findById(ticketId))) throw new NotFoundError('Ticket');
    return this.messages.list(ticketId, {
      includeInternal: canReadInternal(actor),
      limit: query.limit,
      cursor: query.cursor,
    });
  }

  /** Edits by the agent who wrote or recorded the message, or by a lead/admin. */
  async edit(actor: Actor, messageId: string, input: UpdateMessageInput): Promise<MessageEntity> {
    const updated = await this.db.transaction(async (tx) => {
      const message = await this.visibleMessage(actor, messageId);
      const ticket = await this.tickets.lock(tx, message.ticketId);
      if (!ticket) throw new NotFoundError('Message');
      assertTicketEditable(ticket.status);
      this.assertAuthorOrLead(actor, message);
      const updated = await this.messages.update(tx, messageId, {
        body: input.body,
        bodyHtml:
          input.bodyHtml === undefined ? undefined : input.bodyHtml && sanitizeMessageHtml(input.bodyHtml),
      });
      await this.tickets.touch(tx, ticket.id);
      return updated;
    });
    this.events.publish('message.updated', {
      ticketId: updated.ticketId,
      messageId,
      internal: updated.internal,
      deleted: false,
    });
    return updated;
  }

  async remove(actor: Actor, messageId: string): Promise<void> {
    const message = await this.db.transaction(async (tx) => {
      const message = await this.visibleMessage(actor, messageId);
      const ticket = await this.tickets.lock(tx, message.ticketId);
      if (!ticket) throw new NotFoundError('Message');
      assertTicketEditable(ticket.status);
      this.assertAuthorOrLead(actor, message);
      await this.messages.softDelete(tx, messageId);
      await this.tickets.touch(tx, ticket.id);
      return message;
    });
    this.events.publish('message.updated', {
      ticketId: message.ticketId,
      messageId,
      internal: message.internal,
      deleted: true,
    });
  }

  async markRead(actor: Actor, messageId: string): Promise<MessageEntity> {
    await this.visibleMessage(actor, messageId);
    const message = await this.messages.markRead(messageId, actor.id);
    if (!message) throw new NotFoundError('Message');
    return message;
  }

  /** For integrations (no acting agent): one live message, internal or not. */
  async getForIntegration(messageId: string): Promise<MessageEntity> {
    const message = await this.messages.findById(messageId);
    if (!message) throw new NotFoundError('Message');
    return message;
  }

  /** For integrations: every live message of a ticket, notes included, oldest first. */
  async allForIntegration(ticketId: string): Promise<MessageEntity[]> {
    const all: MessageEntity[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.messages.list(ticketId, { includeInternal: true, limit: 100, cursor });
      all.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }

  lastMessageId(ticketId: string): Promise<string | null> {
    return this.messages.lastMessageId(ticketId);
  }

  private async visibleMessage(actor: Actor, id: string): Promise<MessageEntity> {
    const message = await this.messages.findById(id);
    if (!message || (message.internal && !canReadInternal(actor))) throw new NotFoundError('Message');
    return message;
  }

  private assertAuthorOrLead(actor: Actor, message: MessageEntity): void {
    if (!isLeadOrAdmin(actor) && message.agentId !== actor.id) {
      throw new ForbiddenError('Only its author or a lead may change this message');
    }
  }
}
