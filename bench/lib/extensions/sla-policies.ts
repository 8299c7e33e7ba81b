import type { BusinessHours } from '../../../src/modules/sla/business-clock';
import type { TicketPriority } from '../../../src/modules/tickets/ticket.types';

const DAY = 86_400_000;

export interface PolicyVersionSpec {
  firstResponseMinutes: number;
  resolutionMinutes: number;
  nextReplyMinutes: number | null;
  businessHours: BusinessHours | null;
  /** When this version was written (the edit that made it). */
  since: Date;
}

export interface PolicySpec {
  name: string;
  priority: TicketPriority;
  /** Oldest first; the last is the policy's current state. */
  versions: PolicyVersionSpec[];
}

const iso = (y: number, m: number, d: number) =>
  `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** The day of month of the n-th (1-based; -1 = last) given weekday (0 = Sunday) of a month. */
function nthWeekday(y: number, m: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
    return 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
  }
  const lastDay = new Date(Date.UTC(y, m, 0));
  return lastDay.getUTCDate() - ((lastDay.getUTCDay() - weekday + 7) % 7);
}

/** Public holidays of the years a data set (and its future due times) spans. */
function holidays(years: number[], region: 'us' | 'de' | 'au'): string[] {
  return years.flatMap((y) => {
    switch (region) {
      case 'us':
        return [
          iso(y, 1, 1),
          iso(y, 5, nthWeekday(y, 5, 1, -1)),
          iso(y, 7, 4),
          iso(y, 9, nthWeekday(y, 9, 1, 1)),
          iso(y, 11, nthWeekday(y, 11, 4, 4)),
          iso(y, 12, 25),
        ];
      case 'de':
        return [iso(y, 1, 1), iso(y, 5, 1), iso(y, 10, 3), iso(y, 12, 24), iso(y, 12, 25), iso(y, 12, 26)];
      case 'au':
        return [iso(y, 1, 1), iso(y, 1, 26), iso(y, 4, 25), iso(y, 12, 25), iso(y, 12, 26)];
    }
  });
}

const weekdays = (intervals: Array<[string, string]>) =>
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, intervals]));

/**
 * The bench's SLA policies: one per priority (the schema allows one live policy each), with
 * business-hours calendars in three zones (New York with a Saturday shift, Berlin with a lunch
 * break, Sydney), each with its public holidays; urgent runs around the clock. Two policies were
 * edited during the data set's span, so older tickets point at version 1 and newer ones at 2.
 */
export function benchPolicies(firstTicketAt: Date, now: Date): PolicySpec[] {
  const created = new Date(firstTicketAt.getTime() - 30 * DAY);
  const y0 = created.getUTCFullYear();
  const years = Array.from({ length: now.getUTCFullYear() + 2 - y0 }, (_, i) => y0 + i);
  const newYork: BusinessHours = {
    timezone: 'America/New_York',
    weekly: { ...weekdays([['08:00', '20:00']]), sat: [['10:00', '16:00']] },
    holidays: holidays(years, 'us'),
  };
  const berlin: BusinessHours = {
    timezone: 'Europe/Berlin',
    weekly: weekdays([
      ['09:00', '12:30'],
      ['13:30', '18:00'],
    ]),
    holidays: holidays(years, 'de'),
  };
  const sydney: BusinessHours = {
    timezone: 'Australia/Sydney',
    weekly: weekdays([['07:00', '19:00']]),
    holidays: holidays(years, 'au'),
  };
  // Edits land inside the span (or at its start for a tiny, short data set).
  const edit = (daysAgo: number) =>
    new Date(Math.max(created.getTime() + DAY, now.getTime() - daysAgo * DAY));
  return [
    {
      name: 'Urgent (24/7)',
      priority: 'urgent',
      versions: [
        {
          firstResponseMinutes: 30,
          resolutionMinutes: 240,
          nextReplyMinutes: 60,
          businessHours: null,
          since: created,
        },
      ],
    },
    {
      name: 'High (follow the sun)',
      priority: 'high',
      versions: [
        {
          firstResponseMinutes: 60,
          resolutionMinutes: 480,
          nextReplyMinutes: 120,
          businessHours: null,
          since: created,
        },
        {
          firstResponseMinutes: 60,
          resolutionMinutes: 600,
          nextReplyMinutes: 120,
          businessHours: sydney,
          since: edit(120),
        },
      ],
    },
    {
      name: 'Normal (New York hours)',
      priority: 'normal',
      versions: [
        {
          firstResponseMinutes: 240,
          resolutionMinutes: 1440,
          nextReplyMinutes: 480,
          businessHours: newYork,
          since: created,
        },
        {
          firstResponseMinutes: 180,
          resolutionMinutes: 2160,
          nextReplyMinutes: 480,
          businessHours: newYork,
          since: edit(60),
        },
      ],
    },
    {
      name: 'Low (Berlin hours)',
      priority: 'low',
      versions: [
        {
          firstResponseMinutes: 480,
          resolutionMinutes: 4320,
          nextReplyMinutes: 1440,
          businessHours: berlin,
          since: created,
        },
      ],
    },
  ];
}
