import { IdParams, page } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import { toAtRiskDto, toBreachDto, toDashboardDto, toPolicyDto, toTicketSlaDto } from './sla.mapper';
import {
  AtRiskQuery,
  BreachesQuery,
  CreateSlaPolicyBody,
  RangeQuery,
  SlaAtRisk,
  SlaBreach,
  SlaDashboard,
  SlaPolicy,
  TicketSlaDetail,
  UpdateSlaPolicyBody,
} from './sla.schemas';
import type { SlaService } from './sla.service';

const tags = ['SLA'];

export function slaRoutes(sla: SlaService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/sla/policies',
      summary: 'List the SLA policies in force (one per priority at most)',
      tags,
      roles: Roles.everyone,
      responses: [{ status: 200, description: 'The policies', schema: page(SlaPolicy, 'SlaPolicyPage') }],
      handler: async () => ({
        body: { data: (await sla.listPolicies()).map(toPolicyDto), nextCursor: null },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/sla/policies',
      summary: 'Create the SLA policy of a priority',
      tags,
      roles: Roles.leads,
      body: CreateSlaPolicyBody,
      responses: [
        { status: 201, description: 'Created', schema: SlaPolicy },
        { status: 409, description: 'That priority already has a policy' },
      ],
      handler: async ({ body }) => ({ body: toPolicyDto(await sla.createPolicy(body)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/sla/policies/:id',
      summary: 'Get an SLA policy',
      tags,
      roles: Roles.everyone,
      params: IdParams,
      responses: [
        { status: 200, description: 'The policy', schema: SlaPolicy },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params }) => ({ body: toPolicyDto(await sla.getPolicy(params.id)) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/sla/policies/:id',
      summary: 'Edit an SLA policy (applies to tickets created from now on)',
      tags,
      roles: Roles.leads,
      params: IdParams,
      body: UpdateSlaPolicyBody,
      responses: [
        { status: 200, description: 'Updated', schema: SlaPolicy },
        { status: 404, description: 'Not found' },
        { status: 409, description: 'The new priority already has a policy' },
      ],
      handler: async ({ params, body }) => ({ body: toPolicyDto(await sla.updatePolicy(params.id, body)) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/sla/policies/:id',
      summary: 'Retire an SLA policy (tickets already tracked keep their targets)',
      tags,
      roles: Roles.leads,
      params: IdParams,
      responses: [
        { status: 204, description: 'Deleted' },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params }) => {
        await sla.deletePolicy(params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sla/tickets/:id',
      summary: "A ticket's SLA clocks: due times, breaches, pause and remaining business time",
      tags,
      roles: Roles.everyone,
      params: IdParams,
      responses: [
        { status: 200, description: 'The SLA state', schema: TicketSlaDetail },
        { status: 404, description: 'No such ticket' },
      ],
      handler: async ({ params }) => ({ body: toTicketSlaDto(await sla.ticketView(params.id)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/sla/breaches',
      summary: 'Recorded breaches, newest first',
      tags,
      roles: Roles.everyone,
      query: BreachesQuery,
      responses: [
        { status: 200, description: 'A page of breaches', schema: page(SlaBreach, 'SlaBreachPage') },
      ],
      handler: async ({ query }) => {
        const result = await sla.breaches(query);
        return { body: { data: result.data.map(toBreachDto), nextCursor: result.nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sla/at-risk',
      summary: 'Running targets due within the next minutes (not yet breached), most urgent first',
      tags,
      roles: Roles.everyone,
      query: AtRiskQuery,
      responses: [{ status: 200, description: 'Targets at risk', schema: SlaAtRisk }],
      handler: async ({ query }) => ({ body: toAtRiskDto(await sla.atRisk(query)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/sla/dashboard',
      summary: 'Open tickets at risk and breached now; compliance over a date range, by priority',
      tags,
      roles: Roles.everyone,
      query: RangeQuery,
      responses: [{ status: 200, description: 'Dashboard figures', schema: SlaDashboard }],
      handler: async ({ query }) => ({ body: toDashboardDto(await sla.dashboard(query)) }),
    }),
  ];
}
