import type { z } from 'zod';
import type { Assignment } from './assignment.schemas';
import type { TicketAssignmentEntity } from './ticket-assignment.entity';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toAssignmentDto(a: TicketAssignmentEntity): z.infer<typeof Assignment> {
  return {
    id: a.id,
    ticketId: a.ticketId,
    agentId: a.agentId,
    previousAgentId: a.previousAgentId,
    assignedBy: a.assignedBy,
    method: a.method,
    reason: a.reason,
    status: a.status,
    overCapacity: a.overCapacity,
    assignedAt: a.assignedAt.toISOString(),
    acceptedAt: iso(a.acceptedAt),
    startedAt: iso(a.startedAt),
    completedAt: iso(a.completedAt),
    transferredAt: iso(a.transferredAt),
    transferredBy: a.transferredBy,
    transferredTo: a.transferredTo,
    transferReason: a.transferReason,
  };
}
