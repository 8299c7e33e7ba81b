import { IdParams, page } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import { toCustomerDto } from '../customers/customers.mapper';
import { toTicketDto } from './tickets.mapper';
import {
  CreateTicketBody,
  ListTicketsQuery,
  Ticket,
  TicketDetail,
  UpdateTicketBody,
} from './tickets.schemas';
import { ticketVersion, type TicketsService } from './tickets.service';

const tags = ['Tickets'];

export function ticketRoutes(tickets: TicketsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/tickets',
      summary: 'Create a ticket (body becomes the first customer message)',
      tags,
      roles: Roles.staff,
      body: CreateTicketBody,
      responses: [{ status: 201, description: 'Created', schema: Ticket }],
      handler: async ({ body, actor }) => {
        const ticket = await tickets.create(actor, body);
        const sla = await tickets.slaFor([ticket]);
        return { body: toTicketDto(ticket, sla.get(ticket.id) ?? null) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tickets',
      summary: 'List, filter and search tickets',
      tags,
      roles: Roles.everyone,
      query: ListTicketsQuery,
      responses: [{ status: 200, description: 'A page of tickets', schema: page(Ticket, 'TicketPage') }],
      handler: async ({ query }) => {
        const result = await tickets.list(query);
        const sla = await tickets.slaFor(result.data);
        return {
          body: {
            data: result.data.map((t) => toTicketDto(t, sla.get(t.id) ?? null)),
            nextCursor: result.nextCursor,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tickets/:id',
      summary: 'Get a ticket with its customer and, when available, enrichment',
      tags,
      roles: Roles.everyone,
      params: IdParams,
      responses: [
        { status: 200, description: 'The ticket', schema: TicketDetail },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params }) => {
        const view = await tickets.view(params.id);
        const sla = await tickets.slaFor([view.ticket]);
        return {
          headers: { ETag: ticketVersion(view.ticket) },
          body: {
            ...toTicketDto(view.ticket, sla.get(view.ticket.id) ?? null),
            customer: toCustomerDto(view.customer),
            ...(view.enrichment ? { enrichment: view.enrichment } : {}),
          },
        };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/tickets/:id',
      summary:
        'Update status, priority, tags, category or subject (send If-Match with the ETag of your read to refuse stale updates)',
      tags,
      roles: Roles.staff,
      params: IdParams,
      body: UpdateTicketBody,
      responses: [
        { status: 200, description: 'Updated', schema: Ticket },
        { status: 404, description: 'Not found' },
        {
          status: 409,
          description: 'The ticket is closed, or changed since the version in If-Match (stale_update)',
        },
      ],
      handler: async ({ params, body, actor, req }) => {
        const ticket = await tickets.update(actor, params.id, body, req.header('if-match') ?? undefined);
        const sla = await tickets.slaFor([ticket]);
        return {
          body: toTicketDto(ticket, sla.get(ticket.id) ?? null),
          headers: { ETag: ticketVersion(ticket) },
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/tickets/:id',
      summary: 'Soft-delete a ticket (gone from lists and reads, kept in the database)',
      tags,
      roles: Roles.leads,
      params: IdParams,
      responses: [
        { status: 204, description: 'Deleted' },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params, actor }) => {
        await tickets.remove(actor, params.id);
        return { status: 204 };
      },
    }),
  ];
}
