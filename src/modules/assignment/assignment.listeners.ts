import type { EventBus } from '../../platform/events/event-bus';
import type { QueueService } from '../../platform/queue/queue.service';
import { openStatuses } from '../tickets/ticket.types';
import type { BacklogTrigger } from './assignment.jobs';

/**
 * Automatic routing, driven by events (only when AUTO_ASSIGN is on): a new ticket is routed by a
 * job; a customer reopening a ticket re-checks its previous agent; anything that frees capacity
 * or makes a ticket routable kicks the backlog job.
 */
export function registerAssignmentListeners(
  events: EventBus,
  queues: QueueService,
  backlog: BacklogTrigger,
): void {
  events.on('ticket.created', async ({ ticketId }) => {
    await queues.add('assignment.route-ticket', { ticketId }, { jobId: `route-${ticketId}` });
  });
  events.on('message.created', async ({ ticketId, messageId, authorType, reopened }) => {
    if (authorType === 'customer' && reopened)
      await queues.add('assignment.reopened', { ticketId }, { jobId: `reopen-${messageId}` });
  });
  events.on('ticket.updated', async ({ changes }) => {
    const [from, to] = changes.status ?? [];
    const loadChanged = from !== undefined && to !== undefined && counts(from) !== counts(to);
    const agentFreed = changes.assigneeId !== undefined && changes.assigneeId[0] !== null;
    if (loadChanged || agentFreed) await backlog.kick();
  });
  events.on('ticket.deleted', () => backlog.kick());
  events.on('agent.status_changed', async ({ status }) => {
    if (status === 'online') await backlog.kick();
  });
  // Capacity, acceptsNew or role may have changed.
  events.on('agent.updated', () => backlog.kick());
}

/**
 * Whether routing is automatic or not, a deactivated agent's unsolved tickets go back to the
 * unassigned queue (a durable job; the periodic workload repair catches a lost one).
 */
export function registerReleaseListener(events: EventBus, queues: QueueService): void {
  events.on('agent.deactivated', async ({ agentId, actorId }) => {
    await queues.add('assignment.release-agent', { agentId, actorId });
  });
}

const counts = (status: string) => (openStatuses as readonly string[]).includes(status);
