import { IANAZone } from 'luxon';
import { z } from 'zod';
import { isoDate, listQuery, uuid } from '../../platform/http/common.schemas';
import { ticketPriorities, ticketStatuses } from '../tickets/ticket.types';
import { parseClockTime, parseLocalDate, weekdays } from './business-clock';

/** Minutes after midnight of a valid HH:MM, or null (the format check reports the problem). */
const minutesOf = (s: string): number | null => {
  try {
    return parseClockTime(s);
  } catch {
    return null;
  }
};
import { slaTargets } from './sla-tracker';

const clockTime = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a local time HH:MM between 00:00 and 24:00');

const interval = z
  .tuple([clockTime, clockTime])
  .superRefine(([start, end], ctx) => {
    const [s, e] = [minutesOf(start), minutesOf(end)];
    if (s === null || e === null) return;
    if (s === 1440) ctx.addIssue({ code: 'custom', message: 'an interval cannot start at 24:00', path: [0] });
    else if (s >= e)
      ctx.addIssue({
        code: 'custom',
        message: 'is reversed or empty: the end must be after the start',
        path: [1],
      });
  })
  .meta({ description: 'A local wall-clock interval [start, end); the end may be "24:00"' });

const dayIntervals = z
  .array(interval)
  .max(12)
  .superRefine((list, ctx) => {
    const sorted = list
      .map(([s, e], index) => ({ s: minutesOf(s) ?? NaN, e: minutesOf(e) ?? NaN, index }))
      .filter((iv) => iv.s < iv.e)
      .sort((a, b) => a.s - b.s);
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1];
      const cur = sorted[k];
      if (prev && cur && cur.s < prev.e)
        ctx.addIssue({
          code: 'custom',
          message: `overlaps interval ${prev.index}`,
          path: [cur.index],
        });
    }
  });

const weekly = z
  .object(
    Object.fromEntries(weekdays.map((d) => [d, dayIntervals.optional()])) as Record<
      (typeof weekdays)[number],
      z.ZodOptional<typeof dayIntervals>
    >,
  )
  .strict()
  .refine((w) => Object.values(w).some((list) => list && list.length > 0), {
    message: 'at least one business interval is required',
  });

const holiday = z
  .string()
  .refine((s) => parseLocalDate(s) !== null, 'must be a real calendar date YYYY-MM-DD');

export const BusinessHoursSchema = z
  .object({
    timezone: z
      .string()
      .max(64)
      .refine((tz) => IANAZone.isValidZone(tz), 'is not a known IANA time zone (e.g. Europe/London)'),
    weekly,
    holidays: z
      .array(holiday)
      .max(1000)
      .default([])
      .transform((list) => [...new Set(list)].sort()),
  })
  .strict()
  .meta({
    id: 'BusinessHours',
    example: {
      timezone: 'Europe/London',
      weekly: {
        mon: [
          ['09:00', '12:30'],
          ['13:30', '17:30'],
        ],
        fri: [['09:00', '16:00']],
      },
      holidays: ['2026-12-25'],
    },
  });

const minutes = (what: string) =>
  z
    .number()
    .int('must be a whole number of minutes')
    .min(1, `must be at least 1 minute (a negative or zero ${what} is not allowed)`)
    .max(525_600, 'must be at most 525600 minutes (a year)');

const policyFields = {
  name: z.string().trim().min(1).max(200),
  priority: z.enum(ticketPriorities),
  firstResponseMinutes: minutes('first-response target'),
  resolutionMinutes: minutes('resolution target'),
  nextReplyMinutes: minutes('next-reply target')
    .nullable()
    .meta({ description: 'From an unanswered customer message to the next public agent reply' }),
  businessHours: BusinessHoursSchema.nullable().meta({
    description: 'When absent or null, the clock runs around the clock',
  }),
};

export const CreateSlaPolicyBody = z
  .object({
    ...policyFields,
    name: policyFields.name.optional(),
    nextReplyMinutes: policyFields.nextReplyMinutes.optional(),
    businessHours: policyFields.businessHours.optional(),
  })
  .strict()
  .meta({ id: 'CreateSlaPolicy' });

export const UpdateSlaPolicyBody = z
  .object(policyFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
  .meta({ id: 'UpdateSlaPolicy' });

export const SlaPolicy = z
  .object({
    id: uuid,
    name: z.string(),
    priority: z.enum(ticketPriorities),
    firstResponseMinutes: z.number().int(),
    resolutionMinutes: z.number().int(),
    nextReplyMinutes: z.number().int().nullable(),
    businessHours: z
      .object({
        timezone: z.string(),
        weekly: z.record(z.string(), z.array(z.tuple([z.string(), z.string()]))),
        holidays: z.array(z.string()),
      })
      .nullable(),
    version: z
      .number()
      .int()
      .meta({ description: 'Bumped by every edit; tickets keep the version they got' }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'SlaPolicy' });

const target = z.enum(slaTargets as [string, ...string[]]);

export const SlaClockView = z
  .object({
    target,
    cycle: z.number().int(),
    state: z.enum(['running', 'paused', 'met', 'stopped']),
    startedAt: isoDate,
    dueAt: isoDate,
    endedAt: isoDate.nullable(),
    breached: z.boolean(),
    remainingMinutes: z.number().int().nullable(),
    warningRecordedAt: isoDate.nullable(),
    breachRecordedAt: isoDate.nullable(),
  })
  .meta({ id: 'SlaClock' });

export const TicketSlaDetail = z
  .object({
    ticketId: uuid,
    policyId: uuid.nullable(),
    policyVersion: z.number().int().nullable(),
    priority: z.enum(ticketPriorities),
    firstResponseDueAt: isoDate.nullable(),
    resolutionDueAt: isoDate.nullable(),
    nextReplyDueAt: isoDate.nullable(),
    firstResponseBreached: z.boolean(),
    resolutionBreached: z.boolean(),
    nextReplyBreached: z.boolean(),
    firstResponseMetAt: isoDate.nullable(),
    resolutionMetAt: isoDate.nullable(),
    paused: z.boolean(),
    pausedMinutes: z.number().int(),
    remainingMinutes: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Business minutes to the most urgent open target (negative once overdue)' }),
    dueAt: isoDate.nullable().meta({ description: 'The earliest running due time (the smart-queue key)' }),
    firstResponseMinutes: z
      .number()
      .nullable()
      .meta({ description: 'Business minutes to the first response' }),
    resolutionMinutes: z.number().nullable().meta({ description: 'Business minutes to resolution' }),
    clocks: z.array(SlaClockView),
  })
  .meta({ id: 'TicketSlaDetail' });

const dateOrDateTime = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .meta({ description: 'A date (YYYY-MM-DD, in APP_TIMEZONE) or an ISO date-time' });

export const RangeQuery = z.object({ from: dateOrDateTime.optional(), to: dateOrDateTime.optional() });

export const BreachesQuery = listQuery.extend({
  ...RangeQuery.shape,
  target: target.optional(),
  priority: z.enum(ticketPriorities).optional(),
});

export const SlaBreach = z
  .object({
    id: z.string(),
    ticketId: uuid,
    ticketNumber: z.number().int(),
    subject: z.string(),
    priority: z.enum(ticketPriorities),
    status: z.enum(ticketStatuses),
    assigneeId: uuid.nullable(),
    target,
    dueAt: isoDate,
    breachedAt: isoDate,
    recordedAt: isoDate,
  })
  .meta({ id: 'SlaBreach' });

export const AtRiskQuery = z.object({
  withinMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(10080)
    .optional()
    .meta({ description: 'Defaults to SLA_WARNING_MINUTES' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const SlaAtRiskItem = z
  .object({
    ticketId: uuid,
    number: z.number().int(),
    subject: z.string(),
    priority: z.enum(ticketPriorities),
    status: z.enum(ticketStatuses),
    assigneeId: uuid.nullable(),
    target,
    dueAt: isoDate,
    remainingMinutes: z.number().int(),
  })
  .meta({ id: 'SlaAtRiskItem' });

export const SlaAtRisk = z
  .object({ withinMinutes: z.number().int(), data: z.array(SlaAtRiskItem) })
  .meta({ id: 'SlaAtRisk' });

const Compliance = z
  .object({
    met: z.number().int(),
    breached: z.number().int(),
    total: z.number().int(),
    compliancePercent: z
      .number()
      .nullable()
      .meta({ description: 'null when nothing was decided in the range' }),
  })
  .meta({ id: 'SlaCompliance' });

const DashboardFigures = {
  openAtRisk: z.number().int().meta({ description: 'Open tickets due within the warning window' }),
  breachedNow: z.number().int().meta({ description: 'Open tickets with a running target past due' }),
  firstResponse: Compliance,
  resolution: Compliance,
};

export const SlaDashboard = z
  .object({
    from: isoDate,
    to: isoDate,
    warningMinutes: z.number().int(),
    ...DashboardFigures,
    byPriority: z.array(z.object({ priority: z.enum(ticketPriorities), ...DashboardFigures })),
  })
  .meta({ id: 'SlaDashboard' });

export type CreateSlaPolicyInput = z.output<typeof CreateSlaPolicyBody>;
export type UpdateSlaPolicyInput = z.output<typeof UpdateSlaPolicyBody>;
export type BreachesInput = z.output<typeof BreachesQuery>;
export type AtRiskInput = z.output<typeof AtRiskQuery>;
export type RangeInput = z.output<typeof RangeQuery>;
