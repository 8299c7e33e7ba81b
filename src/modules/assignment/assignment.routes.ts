import { IdParams, page } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import type { TicketEntity } from '../tickets/ticket.entity';
import { toTicketDto } from '../tickets/tickets.mapper';
import { Ticket } from '../tickets/tickets.schemas';
import type { TicketsService } from '../tickets/tickets.service';
import { toAssignmentDto } from './assignment.mapper';
import {
  AgentQueue,
  AssignBody,
  AssignedTicket,
  AssignmentPage,
  AutoAssignResult,
  HistoryQuery,
  QueueQuery,
  TransferBody,
} from './assignment.schemas';
import type { AssignmentOutcome, AssignmentService } from './assignment.service';

const tags = ['Assignment'];

/**
 * Assignment and queue routes. `GET /api/tickets/unassigned` must be mounted before the
 * tickets module's `GET /api/tickets/:id`, or `unassigned` would be read as a ticket id.
 */
export function assignmentRoutes(assignment: AssignmentService, tickets: TicketsService): AnyRoute[] {
  const ticketDtos = async (list: TicketEntity[]) => {
    const sla = await tickets.slaFor(list);
    return list.map((t) => toTicketDto(t, sla.get(t.id) ?? null));
  };
  const assigned = async ({ ticket, assignment: a }: AssignmentOutcome) => {
    const [dto] = await ticketDtos([ticket]);
    return { body: { ...dto, assignment: toAssignmentDto(a) } };
  };
  const conflict = (description: string) => ({ status: 409, description });

  return [
    defineRoute({
      method: 'get',
      path: '/api/tickets/unassigned',
      summary: 'Unassigned open tickets in smart order',
      tags,
      roles: Roles.everyone,
      query: QueueQuery,
      responses: [{ status: 200, description: 'A page of tickets', schema: page(Ticket, 'TicketPage') }],
      handler: async ({ query }) => {
        const result = await assignment.unassigned(query);
        return { body: { data: await ticketDtos(result.data), nextCursor: result.nextCursor } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tickets/:id/assign',
      summary:
        'Assign a ticket (leads/admins: anyone, even over capacity; agents: themselves, within capacity)',
      tags,
      roles: Roles.staff,
      params: IdParams,
      body: AssignBody,
      responses: [
        { status: 200, description: 'Assigned', schema: AssignedTicket },
        { status: 404, description: 'Ticket not found' },
        conflict('Closed ticket, inactive agent, or the agent is at capacity'),
      ],
      handler: async ({ params, body, actor }) =>
        assigned(await assignment.assign(actor, params.id, body.agentId)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/tickets/:id/auto-assign',
      summary: 'Assign to the best agent by the routing rules',
      tags,
      roles: Roles.staff,
      params: IdParams,
      responses: [
        { status: 200, description: 'Assigned', schema: AutoAssignResult },
        { status: 404, description: 'Ticket not found' },
        conflict('Nobody can take it now (it stays unassigned), or it is already assigned'),
        {
          status: 503,
          description: 'routing_contended: other routers took every candidate meanwhile; retry',
        },
      ],
      handler: async ({ params, actor }) => {
        const { ticket, assignment: a, choice } = await assignment.autoAssign(actor, params.id);
        const [dto] = await ticketDtos([ticket]);
        return {
          body: {
            agentId: choice.agentId,
            reason: choice.reason,
            narrowedBy: choice.narrowedBy,
            ticket: dto,
            assignment: toAssignmentDto(a),
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tickets/:id/transfer',
      summary: 'Move a ticket to another agent (the assignee or a lead/admin), kept in history',
      tags,
      roles: Roles.staff,
      params: IdParams,
      body: TransferBody,
      responses: [
        { status: 200, description: 'Transferred', schema: AssignedTicket },
        { status: 404, description: 'Ticket not found' },
        conflict('Not assigned, same agent, inactive agent, or (for agents) the target is at capacity'),
      ],
      handler: async ({ params, body, actor }) =>
        assigned(await assignment.transfer(actor, params.id, body.toAgentId, body.reason ?? null)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/tickets/:id/accept',
      summary: 'The assignee accepts the ticket',
      tags,
      roles: Roles.staff,
      params: IdParams,
      responses: [
        { status: 200, description: 'Accepted', schema: AssignedTicket },
        { status: 404, description: 'Ticket not found' },
        conflict('The ticket is not assigned, or its assignment is completed'),
      ],
      handler: async ({ params, actor }) => assigned(await assignment.accept(actor, params.id)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/tickets/:id/assignments',
      summary: 'Assignment history: who, when, by whom, status',
      tags,
      roles: Roles.everyone,
      params: IdParams,
      query: HistoryQuery,
      responses: [
        { status: 200, description: 'Oldest first', schema: AssignmentPage },
        { status: 404, description: 'Ticket not found' },
      ],
      handler: async ({ params, query }) => {
        const result = await assignment.history(params.id, query);
        return { body: { data: result.data.map(toAssignmentDto), nextCursor: result.nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents/:id/queue',
      summary: "An agent's open tickets in smart order, with workload (agents: their own)",
      tags,
      roles: Roles.staff,
      params: IdParams,
      query: QueueQuery,
      responses: [
        { status: 200, description: 'The queue', schema: AgentQueue },
        { status: 404, description: 'Agent not found' },
      ],
      handler: async ({ params, query, actor }) => {
        const { page: result, workload } = await assignment.queue(actor, params.id, query);
        return {
          body: { data: await ticketDtos(result.data), nextCursor: result.nextCursor, workload },
        };
      },
    }),
  ];
}
