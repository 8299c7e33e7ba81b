import { z } from 'zod';
import { isoDate, listQuery, uuid } from '../../platform/http/common.schemas';
import { Ticket } from '../tickets/tickets.schemas';
import { preferenceRules } from './agent-choice';
import { assignmentMethods, assignmentStatuses } from './ticket-assignment.entity';

export const Assignment = z
  .object({
    id: uuid,
    ticketId: uuid,
    agentId: uuid.meta({ description: 'Who has (or had) the ticket' }),
    previousAgentId: uuid.nullable(),
    assignedBy: uuid.nullable().meta({ description: 'Who assigned it; null when routed automatically' }),
    method: z.enum(assignmentMethods),
    reason: z
      .string()
      .nullable()
      .meta({ description: 'The routing rule that decided (automatic), or the transfer reason' }),
    status: z.enum(assignmentStatuses),
    overCapacity: z
      .boolean()
      .meta({ description: 'Assigned beyond the agent’s capacity (by a lead or admin)' }),
    assignedAt: isoDate,
    acceptedAt: isoDate.nullable(),
    startedAt: isoDate.nullable(),
    completedAt: isoDate.nullable(),
    transferredAt: isoDate.nullable(),
    transferredBy: uuid.nullable(),
    transferredTo: uuid
      .nullable()
      .meta({ description: 'Null when the ticket went back to the unassigned queue' }),
    transferReason: z.string().nullable(),
  })
  .meta({ id: 'Assignment' });

export const AssignmentPage = z
  .object({ data: z.array(Assignment), nextCursor: z.string().nullable() })
  .meta({ id: 'AssignmentPage' });

export const AssignedTicket = Ticket.extend({ assignment: Assignment }).meta({ id: 'AssignedTicket' });

export const routingReasons = ['only_eligible', ...preferenceRules, 'lowest_load', 'round_robin'] as const;

export const AutoAssignResult = z
  .object({
    agentId: uuid,
    reason: z.enum(routingReasons).meta({ description: 'The rule that decided' }),
    narrowedBy: z
      .array(z.enum(preferenceRules))
      .meta({ description: 'Preferences that narrowed the candidates, in order' }),
    ticket: Ticket,
    assignment: Assignment,
  })
  .meta({ id: 'AutoAssignResult' });

export const AssignBody = z.object({ agentId: uuid }).strict().meta({ id: 'AssignTicket' });

export const TransferBody = z
  .object({ toAgentId: uuid, reason: z.string().trim().min(1).max(500).optional() })
  .strict()
  .meta({ id: 'TransferTicket' });

const queueStatuses = ['new', 'open', 'pending', 'on_hold'] as const;

export const QueueQuery = listQuery.extend({
  status: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(queueStatuses)).min(1).max(queueStatuses.length))
    .optional()
    .meta({ description: 'Statuses to include (default new,open,on_hold: the open work)' }),
});

export const Workload = z
  .object({
    open: z.number().int().meta({ description: 'Open assigned tickets (new, open, on_hold)' }),
    capacity: z.number().int().meta({ description: 'maxConcurrentTickets' }),
  })
  .meta({ id: 'Workload' });

export const AgentQueue = z
  .object({ data: z.array(Ticket), nextCursor: z.string().nullable(), workload: Workload })
  .meta({ id: 'AgentQueue' });

export const HistoryQuery = listQuery;

export type QueueQueryInput = z.output<typeof QueueQuery>;
