import type { EntityManager } from 'typeorm';
import type { CustomerEntity } from '../customers/customer.entity';
import type { MessageEntity } from './message.entity';
import type { TicketEntity } from './ticket.entity';
import type { TicketSla } from './tickets.schemas';
import type { z } from 'zod';

export type TicketSlaSummary = z.infer<typeof TicketSla>;

/**
 * Work other modules must do inside a ticket's own transaction (SLA targets, assignment
 * history): a hook failing rolls the whole write back. Slow or remote work does not belong
 * here; it listens to domain events instead.
 */
export interface TicketWriteHooks {
  afterCreate?(tx: EntityManager, ticket: TicketEntity): Promise<void>;
  afterUpdate?(tx: EntityManager, before: TicketEntity, after: TicketEntity): Promise<void>;
  afterMessage?(tx: EntityManager, ticket: TicketEntity, message: MessageEntity): Promise<void>;
}

/** What other modules add to ticket reads: SLA state for lists, enrichment for the detail view. */
export interface TicketReadHooks {
  slaFor?(tickets: TicketEntity[]): Promise<Map<string, TicketSlaSummary>>;
  enrichmentFor?(
    ticket: TicketEntity,
    customer: CustomerEntity,
  ): Promise<Record<string, unknown> | undefined>;
}

export class TicketHooks {
  readonly write: TicketWriteHooks[] = [];
  readonly read: TicketReadHooks[] = [];

  onWrite(hooks: TicketWriteHooks): void {
    this.write.push(hooks);
  }

  onRead(hooks: TicketReadHooks): void {
    this.read.push(hooks);
  }

  async afterCreate(tx: EntityManager, ticket: TicketEntity): Promise<void> {
    for (const h of this.write) await h.afterCreate?.(tx, ticket);
  }

  async afterUpdate(tx: EntityManager, before: TicketEntity, after: TicketEntity): Promise<void> {
    for (const h of this.write) await h.afterUpdate?.(tx, before, after);
  }

  async afterMessage(tx: EntityManager, ticket: TicketEntity, message: MessageEntity): Promise<void> {
    for (const h of this.write) await h.afterMessage?.(tx, ticket, message);
  }

  async slaFor(tickets: TicketEntity[]): Promise<Map<string, TicketSlaSummary>> {
    const merged = new Map<string, TicketSlaSummary>();
    for (const h of this.read) {
      if (!h.slaFor || tickets.length === 0) continue;
      for (const [id, sla] of await h.slaFor(tickets)) merged.set(id, sla);
    }
    return merged;
  }

  async enrichmentFor(
    ticket: TicketEntity,
    customer: CustomerEntity,
  ): Promise<Record<string, unknown> | undefined> {
    let result: Record<string, unknown> | undefined;
    for (const h of this.read) {
      const part = await h.enrichmentFor?.(ticket, customer);
      if (part) result = { ...result, ...part };
    }
    return result;
  }
}
