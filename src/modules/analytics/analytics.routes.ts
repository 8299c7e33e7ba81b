import type { z } from 'zod';
import { IdParams } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute, type HandlerResult } from '../../platform/http/route';
import { Roles, type Role } from '../../platform/security/actor';
import {
  agentCsv,
  categoriesCsv,
  channelsCsv,
  churnCsv,
  leaderboardCsv,
  slaComplianceCsv,
  teamCsv,
  volumeCsv,
} from './analytics.mapper';
import {
  AgentReportSchema,
  analyticsQueries,
  CategoriesSchema,
  ChannelsSchema,
  ChurnReportSchema,
  CsvText,
  LeaderboardSchema,
  SlaComplianceSchema,
  TeamReportSchema,
  VolumeSchema,
} from './analytics.schemas';
import type { AnalyticsService } from './analytics.service';
import { toCsv, type CsvTable } from './csv';

const tags = ['Analytics'];
/** Team-level reports: leads, admins and viewers (read-only stakeholders). */
const teamReaders: Role[] = ['admin', 'lead', 'viewer'];

/** JSON, or the report's table as CSV when `format=csv`. */
function reply<T extends { from: string; to: string }, R>(
  name: string,
  report: T,
  format: 'json' | 'csv',
  table: (r: T) => CsvTable<R>,
): HandlerResult {
  if (format === 'json') return { body: report };
  return {
    raw: toCsv(table(report)),
    contentType: 'text/csv; charset=utf-8',
    headers: { 'Content-Disposition': `attachment; filename="${name}-${report.from}-${report.to}.csv"` },
  };
}

const ok = (description: string, schema: z.ZodType) => [
  { status: 200, description, schema },
  { status: 200, description: `${description} (format=csv)`, schema: CsvText, contentType: 'text/csv' },
];

export function analyticsRoutes(service: AnalyticsService, maxRangeDays: number): AnyRoute[] {
  const q = analyticsQueries(maxRangeDays);
  return [
    defineRoute({
      method: 'get',
      path: '/api/analytics/team',
      summary:
        'Team figures over a range of days: volume, backlog, response and resolution times, SLA compliance',
      tags,
      roles: teamReaders,
      query: q.team,
      responses: ok('The team report', TeamReportSchema),
      handler: async ({ query }) => reply('team', await service.team(query), query.format, teamCsv),
    }),
    defineRoute({
      method: 'get',
      path: '/api/analytics/agents/:id',
      summary: "An agent's figures over a range of days, with their workload now (agents: their own only)",
      tags,
      roles: Roles.staff,
      params: IdParams,
      query: q.range,
      responses: [
        ...ok("The agent's report", AgentReportSchema),
        { status: 404, description: 'No such agent' },
      ],
      handler: async ({ params, query, actor }) =>
        reply('agent', await service.agent(actor, params.id, query), query.format, agentCsv),
    }),
    defineRoute({
      method: 'get',
      path: '/api/analytics/agents/:id/today',
      summary: "An agent's figures for today (APP_TIMEZONE), with their workload now",
      tags,
      roles: Roles.staff,
      params: IdParams,
      query: q.today,
      responses: [...ok("Today's report", AgentReportSchema), { status: 404, description: 'No such agent' }],
      handler: async ({ params, query, actor }) =>
        reply('agent-today', await service.agentToday(actor, params.id), query.format, agentCsv),
    }),
    defineRoute({
      method: 'get',
      path: '/api/analytics/leaderboard',
      summary: 'Agents ranked by a metric, best first; agents below minTickets are left out',
      tags,
      roles: Roles.staff,
      query: q.leaderboard,
      responses: ok('The leaderboard', LeaderboardSchema),
      handler: async ({ query }) =>
        reply('leaderboard', await service.leaderboard(query), query.format, leaderboardCsv),
    }),
    defineRoute({
      method: 'get',
      path: '/api/analytics/tickets/volume',
      summary: 'Tickets created and resolved per day, week or month',
      tags,
      roles: teamReaders,
      query: q.volume,
      responses: ok('The volume report', VolumeSchema),
      handler: async ({ query }) => reply('volume', await service.volume(query), query.format, volumeCsv),
    }),
    defineRoute({
      method: 'get',
      path: '/api/analytics/tickets/channels',
      summary: 'Tickets created and resolved by channel',
      tags,
      roles: teamReaders,
      query: q.range,
      responses: ok('The channel report', ChannelsSchema),
      handler: async ({ query }) =>
        reply('channels', await service.channels(query), query.format, channelsCsv),
    }),
    defineRoute({
      method: 'get',
      path: '/api/analytics/tickets/categories',
      summary: 'Tickets created and resolved by category (null: uncategorised)',
      tags,
      roles: teamReaders,
      query: q.range,
      responses: ok('The category report', CategoriesSchema),
      handler: async ({ query }) =>
        reply('categories', await service.categories(query), query.format, categoriesCsv),
    }),
    defineRoute({
      method: 'get',
      path: '/api/analytics/sla/compliance',
      summary: 'SLA outcomes met and breached, by priority and target, with rates',
      tags,
      roles: teamReaders,
      query: q.range,
      responses: ok('The SLA compliance report', SlaComplianceSchema),
      handler: async ({ query }) =>
        reply('sla-compliance', await service.slaCompliance(query), query.format, slaComplianceCsv),
    }),
    defineRoute({
      method: 'get',
      path: '/api/analytics/customers/churn',
      summary:
        'Customers at high churn risk with their open tickets and value; top customers; VIP resolution times; repeat issues',
      tags,
      roles: Roles.leads,
      query: q.churn,
      responses: ok('The churn report', ChurnReportSchema),
      handler: async ({ query }) =>
        reply('churn', await service.churnReport(query), query.format, (r) => churnCsv(r, query.section)),
    }),
  ];
}
