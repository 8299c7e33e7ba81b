import { IdParams, page } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import type { MessagesService } from './messages.service';
import { toMessageDto } from './tickets.mapper';
import { CreateMessageBody, ListMessagesQuery, Message, UpdateMessageBody } from './tickets.schemas';

const tags = ['Messages'];

export function messageRoutes(messages: MessagesService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/tickets/:id/messages',
      summary: 'Add a reply, an internal note, or a message recorded on the customer’s behalf',
      tags,
      roles: Roles.staff,
      params: IdParams,
      body: CreateMessageBody,
      responses: [
        { status: 201, description: 'Created', schema: Message },
        { status: 404, description: 'Ticket not found' },
        { status: 409, description: 'The ticket is closed' },
      ],
      handler: async ({ params, body, actor }) => ({
        body: toMessageDto(await messages.add(actor, params.id, body)),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/tickets/:id/messages',
      summary: 'The conversation, oldest first (viewers do not see internal notes)',
      tags,
      roles: Roles.everyone,
      params: IdParams,
      query: ListMessagesQuery,
      responses: [
        { status: 200, description: 'A page of messages', schema: page(Message, 'MessagePage') },
        { status: 404, description: 'Ticket not found' },
      ],
      handler: async ({ params, query, actor }) => {
        const result = await messages.list(actor, params.id, query);
        return { body: { data: result.data.map(toMessageDto), nextCursor: result.nextCursor } };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/messages/:id',
      summary: 'Edit a message (its author or a lead/admin)',
      tags,
      roles: Roles.staff,
      params: IdParams,
      body: UpdateMessageBody,
      responses: [
        { status: 200, description: 'Updated', schema: Message },
        { status: 404, description: 'Not found' },
        { status: 409, description: 'The ticket is closed' },
      ],
      handler: async ({ params, body, actor }) => ({
        body: toMessageDto(await messages.edit(actor, params.id, body)),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/messages/:id',
      summary: 'Soft-delete a message (its author or a lead/admin)',
      tags,
      roles: Roles.staff,
      params: IdParams,
      responses: [
        { status: 204, description: 'Deleted' },
        { status: 404, description: 'Not found' },
        { status: 409, description: 'The ticket is closed' },
      ],
      handler: async ({ params, actor }) => {
        await messages.remove(actor, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/messages/:id/read',
      summary: 'Mark a message read',
      tags,
      roles: Roles.staff,
      params: IdParams,
      responses: [
        { status: 200, description: 'The message', schema: Message },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params, actor }) => ({
        body: toMessageDto(await messages.markRead(actor, params.id)),
      }),
    }),
  ];
}
