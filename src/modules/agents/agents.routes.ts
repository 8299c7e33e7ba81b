import { IdParams, page } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import { toAgentDto } from './agents.mapper';
import { Agent, AgentStatusBody, CreateAgentBody, ListAgentsQuery, UpdateAgentBody } from './agents.schemas';
import type { AgentsService } from './agents.service';

const tags = ['Agents'];

export function agentRoutes(agents: AgentsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/agents',
      summary: 'Create an agent',
      tags,
      roles: Roles.admins,
      body: CreateAgentBody,
      responses: [
        { status: 201, description: 'Created', schema: Agent },
        { status: 409, description: 'Email already taken' },
      ],
      handler: async ({ body }) => ({ body: toAgentDto(await agents.create(body)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents',
      summary: 'List agents',
      tags,
      roles: Roles.everyone,
      query: ListAgentsQuery,
      responses: [{ status: 200, description: 'A page of agents', schema: page(Agent, 'AgentPage') }],
      handler: async ({ query }) => {
        const result = await agents.list(query);
        return { body: { data: result.data.map(toAgentDto), nextCursor: result.nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents/:id',
      summary: 'Get an agent',
      tags,
      roles: Roles.everyone,
      params: IdParams,
      responses: [
        { status: 200, description: 'The agent', schema: Agent },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params }) => ({ body: toAgentDto(await agents.get(params.id)) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/agents/:id',
      summary: 'Update an agent (admins: any field; an agent: own name, password, languages)',
      tags,
      roles: Roles.everyone,
      params: IdParams,
      body: UpdateAgentBody,
      responses: [
        { status: 200, description: 'Updated', schema: Agent },
        { status: 404, description: 'Not found' },
        { status: 409, description: 'Would remove the last admin' },
      ],
      handler: async ({ params, body, actor }) => ({
        body: toAgentDto(await agents.update(actor, params.id, body)),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/agents/:id',
      summary:
        'Deactivate an agent (history is kept); their unsolved tickets go back to the unassigned queue',
      tags,
      roles: Roles.admins,
      params: IdParams,
      responses: [
        { status: 204, description: 'Deactivated' },
        { status: 404, description: 'Not found' },
        { status: 409, description: 'Would remove the last admin' },
      ],
      handler: async ({ params, actor }) => {
        await agents.deactivate(params.id, actor.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/agents/:id/status',
      summary: "Set an agent's presence status (self, or a lead/admin for anyone)",
      tags,
      roles: Roles.staff,
      params: IdParams,
      body: AgentStatusBody,
      responses: [
        { status: 200, description: 'Updated', schema: Agent },
        { status: 404, description: 'Not found' },
        { status: 409, description: 'Agent is deactivated' },
      ],
      handler: async ({ params, body, actor }) => ({
        body: toAgentDto(await agents.setStatus(actor, params.id, body.status)),
      }),
    }),
  ];
}
