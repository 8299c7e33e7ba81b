import type { CreateSlaPolicyInput } from './sla.schemas';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

/**
 * Sensible starting targets: urgent and high run around the clock, normal and low count
 * business hours (Monday–Friday, 09:00–17:00 in the given zone). Used by the demo seed; real
 * installations set their own (they are contractual), so no migration inserts them.
 */
export function defaultSlaPolicies(timezone: string): CreateSlaPolicyInput[] {
  const office = {
    timezone,
    weekly: Object.fromEntries(weekdays.map((d) => [d, [['09:00', '17:00']] as Array<[string, string]>])),
    holidays: [],
  };
  return [
    {
      name: 'Urgent',
      priority: 'urgent',
      firstResponseMinutes: 30,
      resolutionMinutes: 240,
      nextReplyMinutes: 30,
    },
    {
      name: 'High',
      priority: 'high',
      firstResponseMinutes: 60,
      resolutionMinutes: 480,
      nextReplyMinutes: 120,
    },
    {
      name: 'Normal (business hours)',
      priority: 'normal',
      firstResponseMinutes: 240,
      resolutionMinutes: 1440,
      nextReplyMinutes: 480,
      businessHours: office,
    },
    {
      name: 'Low (business hours)',
      priority: 'low',
      firstResponseMinutes: 480,
      resolutionMinutes: 2880,
      nextReplyMinutes: 1440,
      businessHours: office,
    },
  ];
}
