import type { EventBus } from '../../platform/events/event-bus';
import type { AgentsService } from '../agents/agents.service';
import type { TicketsService } from '../tickets/tickets.service';
import type { PresenceService } from './presence.service';
import type { RealtimePublisher } from './realtime.publisher';
import { Rooms } from './rooms';

interface Deps {
  agents: AgentsService;
  tickets: TicketsService;
  presence: PresenceService;
}

/**
 * Domain events → socket events. Runs in whichever process published the domain event (an API
 * instance, or the worker for SLA checks and imports); the publisher records the event in Redis
 * and every API instance delivers it to its own sockets. Payloads carry ids and changed fields.
 *
 * | domain event                 | socket event       | rooms                                        |
 * | ---------------------------- | ------------------ | -------------------------------------------- |
 * | ticket.created               | new_ticket         | everyone, narrowed to agents accepting new work and leads |
 * | ticket.updated / .deleted    | ticket_update      | assignee (and previous one), ticket viewers  |
 * | ticket.accepted              | ticket_update      | assignee, ticket viewers                     |
 * | ticket.assigned              | ticket_assigned    | new and previous assignee, viewers, leads    |
 * | message.created              | message_received   | assignee, ticket viewers (notes: not viewer role) |
 * | sla.warning / sla.breach     | sla_warning/_breach| assignee, role:lead                          |
 * | agent.status_changed         | agent_status       | everyone                                     |
 * | job.progress                 | job_progress       | the requester                                |
 */
export function registerRealtimeListeners(events: EventBus, publisher: RealtimePublisher, deps: Deps): void {
  const assigneeOf = async (ticketId: string): Promise<string | null> =>
    (await deps.tickets.get(ticketId).catch(() => null))?.assigneeId ?? null;
  const agentRoom = (id: string | null | undefined) => (id ? Rooms.agent(id) : null);

  // One shared room, narrowed at delivery: a room per agent would make every new ticket cost
  // O(agents) in the replay log (measured: 6 creates/s at 441 agents).
  events.on('ticket.created', async (p) => {
    await publisher.publish(
      'new_ticket',
      [Rooms.everyone],
      {
        ticketId: p.ticketId,
        number: p.number,
        customerId: p.customerId,
        priority: p.priority,
        channel: p.channel,
      },
      { exceptRoles: ['viewer'], audience: 'accepting-new-work' },
    );
  });

  events.on('ticket.updated', async (p) => {
    const assignee = await assigneeOf(p.ticketId);
    const previous = p.changes.assigneeId?.[0] ?? null;
    await publisher.publish(
      'ticket_update',
      [Rooms.ticket(p.ticketId), agentRoom(assignee), agentRoom(previous)],
      { ticketId: p.ticketId, changes: p.changes },
    );
  });

  events.on('ticket.deleted', async (p) => {
    await publisher.publish('ticket_update', [Rooms.ticket(p.ticketId)], {
      ticketId: p.ticketId,
      changes: {},
      deleted: true,
    });
  });

  events.on('ticket.accepted', async (p) => {
    await publisher.publish('ticket_update', [Rooms.ticket(p.ticketId), Rooms.agent(p.agentId)], {
      ticketId: p.ticketId,
      changes: {},
      acceptedBy: p.agentId,
    });
  });

  events.on('ticket.assigned', async (p) => {
    await publisher.publish(
      'ticket_assigned',
      [Rooms.agent(p.agentId), agentRoom(p.previousAgentId), Rooms.ticket(p.ticketId), Rooms.leads],
      { ticketId: p.ticketId, agentId: p.agentId, previousAgentId: p.previousAgentId, reason: p.reason },
    );
  });

  events.on('message.created', async (p) => {
    const assignee = await assigneeOf(p.ticketId);
    await publisher.publish(
      'message_received',
      [Rooms.ticket(p.ticketId), agentRoom(assignee)],
      {
        ticketId: p.ticketId,
        messageId: p.messageId,
        authorType: p.authorType,
        agentId: p.agentId,
        internal: p.internal,
      },
      // Internal notes are for staff: a viewer never receives one, live or replayed.
      p.internal ? { exceptRoles: ['viewer'] } : {},
    );
  });

  events.on('sla.warning', async (p) => {
    await publisher.publish('sla_warning', [agentRoom(p.assigneeId), Rooms.leads], {
      ticketId: p.ticketId,
      target: p.target,
      dueAt: p.dueAt,
    });
  });

  events.on('sla.breach', async (p) => {
    await publisher.publish('sla_breach', [agentRoom(p.assigneeId), Rooms.leads], {
      ticketId: p.ticketId,
      target: p.target,
      dueAt: p.dueAt,
      breachedAt: p.breachedAt,
    });
  });

  events.on('agent.status_changed', async (p) => {
    await deps.presence.followStatus(p.agentId, p.status);
    await publisher.publish('agent_status', [Rooms.everyone], {
      agentId: p.agentId,
      status: p.status,
      previous: p.previous,
    });
  });

  events.on('job.progress', async (p) => {
    if (!p.requesterId) return;
    await publisher.publish('job_progress', [Rooms.agent(p.requesterId)], {
      jobId: p.jobId,
      state: p.state,
      done: p.done,
      ...(p.total !== undefined ? { total: p.total } : {}),
    });
  });
}
