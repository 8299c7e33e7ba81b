import { z } from 'zod';
import { dayCount, isCalendarDay } from './days';
import { leaderboardMetrics, slaTargetNames } from './analytics.service';

const day = z
  .string()
  .refine(isCalendarDay, 'must be a calendar day YYYY-MM-DD')
  .meta({ format: 'date', example: '2026-11-21' });

const rangeShape = {
  from: day
    .optional()
    .meta({ description: 'First day (APP_TIMEZONE), included. Default: 6 days before `to`.' }),
  to: day.optional().meta({ description: 'Last day, included. Default: today.' }),
  format: z
    .enum(['json', 'csv'])
    .default('json')
    .meta({ description: '`csv` answers text/csv with a header row' }),
};

/** A report query: the range shape plus `extra`, with `from` ≤ `to` and the range length checked. */
function withRange<S extends z.ZodRawShape>(extra: S, maxDays: number) {
  return z.object({ ...rangeShape, ...extra }).superRefine((q, ctx) => {
    const { from, to } = q as { from?: string; to?: string };
    if (!from || !to || !isCalendarDay(from) || !isCalendarDay(to)) return;
    if (from > to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be on or before to' });
    else if (dayCount(from, to) > maxDays)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most ${maxDays} days` });
  });
}

export const analyticsQueries = (maxDays: number) => ({
  range: withRange({}, maxDays),
  team: withRange(
    {
      department: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .optional()
        .meta({ description: "Only this department's tickets (by assignee)" }),
    },
    maxDays,
  ),
  today: z.object({ format: rangeShape.format }),
  leaderboard: withRange(
    {
      metric: z.enum(leaderboardMetrics).default('resolved'),
      minTickets: z.coerce
        .number()
        .int()
        .min(0)
        .max(1_000_000)
        .default(1)
        .meta({ description: 'Leave out agents whose value rests on fewer tickets' }),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    },
    maxDays,
  ),
  volume: withRange({ interval: z.enum(['day', 'week', 'month']).default('day') }, maxDays),
  churn: withRange(
    {
      limit: z.coerce.number().int().min(1).max(100).default(20),
      section: z
        .enum(['highRisk', 'topCustomers', 'repeatIssues'])
        .default('highRisk')
        .meta({ description: 'Which table `format=csv` returns' }),
    },
    maxDays,
  ),
});

// --- responses -----------------------------------------------------------------------------------

const range = {
  from: z.string().meta({ format: 'date' }),
  to: z.string().meta({ format: 'date' }),
  asOf: z.string().nullable().meta({ description: 'When the rollups were last refreshed' }),
};

export const Timing = z
  .object({
    count: z.number().int(),
    avgMinutes: z.number().nullable(),
    p50Minutes: z.number().nullable(),
    p90Minutes: z.number().nullable(),
  })
  .meta({ id: 'AnalyticsTiming', description: 'Percentiles are within ±4.9 % of the exact value' });

const counts = z.object({ met: z.number().int(), breached: z.number().int() });
const slaBlock = {
  slaCompliance: z
    .object({
      firstResponse: z.number().nullable(),
      nextReply: z.number().nullable(),
      resolution: z.number().nullable(),
    })
    .meta({ description: 'Fraction (0..1) of decided outcomes that met the target; null when none' }),
  sla: z.object({ firstResponse: counts, nextReply: counts, resolution: counts }),
};

export const TeamReportSchema = z
  .object({
    ...range,
    department: z.string().nullable(),
    created: z.number().int(),
    resolved: z.number().int(),
    reopened: z.number().int(),
    backlog: z.number().int(),
    firstResponse: Timing,
    resolution: Timing,
    ...slaBlock,
  })
  .meta({ id: 'AnalyticsTeamReport' });

export const AgentReportSchema = z
  .object({
    ...range,
    agent: z.object({ id: z.uuid(), name: z.string(), department: z.string().nullable(), role: z.string() }),
    assigned: z.number().int(),
    accepted: z.number().int(),
    transferredIn: z.number().int(),
    transferredOut: z.number().int(),
    resolved: z.number().int(),
    reopened: z.number().int(),
    publicReplies: z.number().int(),
    internalNotes: z.number().int(),
    firstResponse: Timing,
    resolution: Timing,
    ...slaBlock,
    onlineMinutes: z.number(),
    workload: z.object({ open: z.number().int(), capacity: z.number().int(), status: z.string() }),
  })
  .meta({ id: 'AnalyticsAgentReport' });

export const LeaderboardSchema = z
  .object({
    ...range,
    metric: z.enum(leaderboardMetrics),
    unit: z.enum(['count', 'minutes', 'fraction']),
    better: z.enum(['higher', 'lower']),
    minTickets: z.number().int(),
    data: z.array(
      z.object({
        rank: z.number().int(),
        agentId: z.uuid(),
        name: z.string(),
        value: z.number(),
        tickets: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'AnalyticsLeaderboard' });

export const VolumeSchema = z
  .object({
    ...range,
    interval: z.enum(['day', 'week', 'month']),
    data: z.array(
      z.object({
        period: z.string().meta({ description: 'The day, the ISO week’s Monday, or the month (YYYY-MM)' }),
        created: z.number().int(),
        resolved: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'AnalyticsVolume' });

export const ChannelsSchema = z
  .object({
    ...range,
    data: z.array(z.object({ channel: z.string(), created: z.number().int(), resolved: z.number().int() })),
  })
  .meta({ id: 'AnalyticsChannels' });

export const CategoriesSchema = z
  .object({
    ...range,
    data: z.array(
      z.object({ category: z.string().nullable(), created: z.number().int(), resolved: z.number().int() }),
    ),
  })
  .meta({ id: 'AnalyticsCategories' });

const complianceRow = {
  target: z.enum(slaTargetNames),
  met: z.number().int(),
  breached: z.number().int(),
  total: z.number().int(),
  rate: z.number().nullable(),
};
export const SlaComplianceSchema = z
  .object({
    ...range,
    data: z.array(z.object({ priority: z.string(), ...complianceRow })),
    overall: z.array(z.object(complianceRow)),
  })
  .meta({ id: 'AnalyticsSlaCompliance' });

const customerRef = {
  customerId: z.uuid(),
  name: z.string().nullable(),
  email: z.string().nullable(),
};
export const ChurnReportSchema = z
  .object({
    ...range,
    churnSource: z.string(),
    highRisk: z.array(
      z.object({
        ...customerRef,
        tier: z.string().nullable(),
        probability: z.number(),
        riskLevel: z.string(),
        lifetimeValue: z.number().nullable(),
        currency: z.string().nullable(),
        openTicketCount: z.number().int(),
        openTickets: z.array(
          z.object({
            id: z.uuid(),
            number: z.number().int(),
            subject: z.string(),
            status: z.string(),
            priority: z.string(),
          }),
        ),
      }),
    ),
    topCustomers: z.array(z.object({ ...customerRef, tier: z.string(), tickets: z.number().int() })),
    vipResolution: Timing,
    repeatIssues: z.object({
      total: z.number().int(),
      data: z.array(z.object({ ...customerRef, category: z.string(), tickets: z.number().int() })),
    }),
  })
  .meta({ id: 'AnalyticsChurnReport' });

export const CsvText = z.string().meta({ description: 'CSV with a header row' });
