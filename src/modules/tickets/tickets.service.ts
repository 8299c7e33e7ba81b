import type { DataSource, EntityManager } from 'typeorm';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../platform/errors/app-error';
import type { EventBus } from '../../platform/events/event-bus';
import type { Page } from '../../platform/http/common.schemas';
import { isLeadOrAdmin, type Actor } from '../../platform/security/actor';
import type { CustomerEntity } from '../customers/customer.entity';
import type { CustomersService } from '../customers/customers.service';
import type { MessagesRepository } from './messages.repository';
import type { TicketEntity } from './ticket.entity';
import { assertCanWork } from './ticket-access';
import type { TicketHooks } from './ticket-hooks';
import { assertTicketEditable, statusEffects } from './ticket-status';
import type { TicketChanges, TicketStatus } from './ticket.types';
import type { CreateTicketInput, ListTicketsInput, UpdateTicketInput } from './tickets.schemas';
import type { TicketPatch, TicketsRepository } from './tickets.repository';

/** A ticket's version for optimistic concurrency: its last update time, to the millisecond. */
export const ticketVersion = (t: Pick<TicketEntity, 'updatedAt'>): string => `"${t.updatedAt.getTime()}"`;

export interface TicketView {
  ticket: TicketEntity;
  customer: CustomerEntity;
  enrichment?: Record<string, unknown>;
}

/** Options for writes made by integrations. */
export interface IntegrationWriteOptions<T> {
  /** Runs inside the write's transaction (e.g. to record the external id with the row). */
  inTransaction?: (tx: EntityManager, row: T) => Promise<void>;
}

export class TicketsService {
  constructor(
    private readonly db: DataSource,
    private readonly tickets: TicketsRepository,
    private readonly messages: MessagesRepository,
    private readonly customers: CustomersService,
    private readonly hooks: TicketHooks,
    private readonly events: EventBus,
  ) {}

  /**
   * Creates a ticket, its customer when given by email, and its first message, in one
   * transaction. `createdAt` (imports) is for leads and admins.
   */
  async create(
    actor: Actor | null,
    input: CreateTicketInput,
    opts: IntegrationWriteOptions<TicketEntity> = {},
  ): Promise<TicketEntity> {
    if (input.createdAt && actor && !isLeadOrAdmin(actor)) {
      throw new ForbiddenError('Only admins and leads may set createdAt (imports)');
    }
    const createdAt = input.createdAt ?? new Date();
    const ticket = await this.db.transaction(async (tx) => {
      let customer: CustomerEntity;
      if (input.customerId) {
        const found = await this.customers.get(input.customerId, tx).catch(() => null);
        if (!found)
          throw new ValidationError('Unknown customer', [
            { field: 'body.customerId', message: 'no customer has this id' },
          ]);
        customer = found;
      } else if (input.customer) {
        customer = await this.customers.findOrCreateByEmail(
          tx,
          input.customer.email,
          input.customer.name ?? null,
        );
      } else {
        throw new ValidationError('A customer is required', [
          { field: 'body.customerId', message: 'is required' },
        ]);
      }
      const created = await this.tickets.insert(tx, {
        subject: input.subject,
        status: 'new',
        priority: input.priority,
        channel: input.channel,
        customerId: customer.id,
        tags: input.tags,
        category: input.category ?? null,
        metadata: input.metadata,
        createdAt,
      });
      await this.tickets.recordStatusChange(tx, created.id, null, 'new', actor?.id ?? null, createdAt);
      await this.hooks.afterCreate(tx, created);
      if (input.body) {
        const message = await this.messages.insert(tx, {
          ticketId: created.id,
          authorType: 'customer',
          agentId: actor?.id ?? null,
          customerId: customer.id,
          body: input.body,
          bodyHtml: null,
          internal: false,
          attachments: [],
          createdAt,
        });
        await this.hooks.afterMessage(tx, created, message);
      }
      await this.customers.touchLastContact(tx, customer.id, createdAt);
      await opts.inTransaction?.(tx, created);
      return created;
    });
    this.events.publish('ticket.created', {
      ticketId: ticket.id,
      number: ticket.number,
      customerId: ticket.customerId,
      priority: ticket.priority,
      channel: ticket.channel,
      actorId: actor?.id ?? null,
      imported: input.createdAt !== undefined,
    });
    return ticket;
  }

  async get(id: string): Promise<TicketEntity> {
    const ticket = await this.tickets.findById(id);
    if (!ticket) throw new NotFoundError('Ticket');
    return ticket;
  }

  async view(id: string): Promise<TicketView> {
    const ticket = await this.get(id);
    const customer = await this.customers.get(ticket.customerId);
    const enrichment = await this.hooks.enrichmentFor(ticket, customer);
    return { ticket, customer, ...(enrichment ? { enrichment } : {}) };
  }

  list(query: ListTicketsInput): Promise<Page<TicketEntity>> {
    return this.tickets.list(query);
  }

  slaFor(tickets: TicketEntity[]) {
    return this.hooks.slaFor(tickets);
  }

  /**
   * Applies field changes. With `expectedVersion` (the ETag a read returned), a ticket changed
   * by someone else in the meantime is a 409 instead of a silent overwrite.
   */
  async update(
    actor: Actor,
    id: string,
    input: UpdateTicketInput,
    expectedVersion?: string,
  ): Promise<TicketEntity> {
    const { after, changes } = await this.db.transaction(async (tx) => {
      const current = await this.tickets.lock(tx, id);
      if (!current) throw new NotFoundError('Ticket');
      assertCanWork(actor, current);
      assertTicketEditable(current.status);
      if (expectedVersion !== undefined && expectedVersion !== ticketVersion(current)) {
        throw new ConflictError(
          'The ticket changed since you read it; reload and try again',
          'stale_update',
          {
            currentVersion: ticketVersion(current),
          },
        );
      }
      const now = new Date();
      const patch: TicketPatch = {};
      const diff: TicketChanges = {};
      if (input.subject !== undefined && input.subject !== current.subject) {
        patch.subject = input.subject;
        diff.subject = [current.subject, input.subject];
      }
      if (input.priority !== undefined && input.priority !== current.priority) {
        patch.priority = input.priority;
        diff.priority = [current.priority, input.priority];
      }
      if (input.tags !== undefined && input.tags.join('\u0000') !== current.tags.join('\u0000')) {
        patch.tags = input.tags;
        diff.tags = [current.tags, input.tags];
      }
      if (input.category !== undefined && input.category !== current.category) {
        patch.category = input.category;
        diff.category = [current.category, input.category];
      }
      if (input.status !== undefined && input.status !== current.status) {
        patch.status = input.status;
        diff.status = [current.status, input.status];
        Object.assign(patch, statusEffects(current.status, input.status, now));
        await this.tickets.recordStatusChange(tx, id, current.status, input.status, actor.id);
      }
      if (Object.keys(diff).length === 0) return { after: current, changes: diff };
      const updated = await this.tickets.update(tx, id, patch);
      await this.hooks.afterUpdate(tx, current, updated);
      return { after: updated, changes: diff };
    });
    if (Object.keys(changes).length > 0) {
      this.events.publish('ticket.updated', { ticketId: id, changes, actorId: actor.id });
    }
    return after;
  }

  /**
   * A status change reported by an integration (no acting agent): the same rules as an agent's
   * change (a closed ticket is final), recorded in the status history with a null actor.
   * `onlyFrom` makes it conditional: when the ticket's status is no longer one of those (someone
   * changed it meanwhile), nothing happens.
   */
  async setStatusFromIntegration(
    id: string,
    status: TicketStatus,
    opts: { at?: Date; onlyFrom?: readonly TicketStatus[] } = {},
  ): Promise<TicketEntity> {
    const at = opts.at ?? new Date();
    const { after, changed } = await this.db.transaction(async (tx) => {
      const current = await this.tickets.lock(tx, id);
      if (!current) throw new NotFoundError('Ticket');
      if (current.status === status) return { after: current, changed: null };
      if (opts.onlyFrom && !opts.onlyFrom.includes(current.status)) return { after: current, changed: null };
      assertTicketEditable(current.status);
      const patch: TicketPatch = { status, ...statusEffects(current.status, status, at) };
      await this.tickets.recordStatusChange(tx, id, current.status, status, null, at);
      const updated = await this.tickets.update(tx, id, patch);
      await this.hooks.afterUpdate(tx, current, updated);
      return { after: updated, changed: [current.status, status] as [TicketStatus, TicketStatus] };
    });
    if (changed)
      this.events.publish('ticket.updated', { ticketId: id, changes: { status: changed }, actorId: null });
    return after;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    if (!(await this.tickets.softDelete(id))) throw new NotFoundError('Ticket');
    this.events.publish('ticket.deleted', { ticketId: id, actorId: actor.id });
  }
}
