import { ConflictError } from '../../platform/errors/app-error';
import type { TicketStatus } from './ticket.types';

/**
 * The ticket status machine. `closed` is final: any change to a closed ticket is refused.
 * Every other move is allowed (agents need to correct mistakes) and is recorded in history.
 */
export function assertTicketEditable(status: TicketStatus): void {
  if (status === 'closed')
    throw new ConflictError('The ticket is closed; closed tickets cannot change', 'ticket_closed');
}

export interface StatusEffects {
  resolvedAt?: Date | null;
  closedAt?: Date | null;
}

/** Timestamps that follow a status move. */
export function statusEffects(from: TicketStatus, to: TicketStatus, at: Date): StatusEffects {
  if (from === to) return {};
  if (to === 'solved') return { resolvedAt: at };
  if (to === 'closed') return from === 'solved' ? { closedAt: at } : { closedAt: at, resolvedAt: at };
  if (from === 'solved') return { resolvedAt: null };
  return {};
}

/** A customer writing on a ticket that waits on them, or that was solved, reopens it. */
export function statusAfterCustomerMessage(status: TicketStatus): TicketStatus {
  return status === 'pending' || status === 'solved' ? 'open' : status;
}

/** An agent's public reply moves a new ticket to open. */
export function statusAfterAgentReply(status: TicketStatus): TicketStatus {
  return status === 'new' ? 'open' : status;
}
