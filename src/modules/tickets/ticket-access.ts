import { ForbiddenError } from '../../platform/errors/app-error';
import { isLeadOrAdmin, type Actor } from '../../platform/security/actor';
import type { TicketEntity } from './ticket.entity';

/** Leads and admins work any ticket; an agent works tickets assigned to them or to nobody. */
export function canWork(actor: Actor, ticket: Pick<TicketEntity, 'assigneeId'>): boolean {
  if (isLeadOrAdmin(actor)) return true;
  if (actor.role !== 'agent') return false;
  return ticket.assigneeId === null || ticket.assigneeId === actor.id;
}

export function assertCanWork(actor: Actor, ticket: Pick<TicketEntity, 'assigneeId'>): void {
  if (!canWork(actor, ticket))
    throw new ForbiddenError('This ticket is assigned to another agent', 'not_your_ticket');
}

/** Internal notes are for staff; viewers read the conversation without them. */
export const canReadInternal = (actor: Actor): boolean => actor.role !== 'viewer';
