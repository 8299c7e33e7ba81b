import { DateTime } from 'luxon';
import { ValidationError } from '../../platform/errors/app-error';

/** Calendar days as 'YYYY-MM-DD' strings, read in the report time zone (APP_TIMEZONE). */

export function localDay(at: Date, timezone: string): string {
  return DateTime.fromJSDate(at, { zone: timezone }).toISODate() ?? at.toISOString().slice(0, 10);
}

/** The instants a local day starts and ends (the next day's start): 23 or 25 hours across DST. */
export function dayBounds(day: string, timezone: string): { start: Date; end: Date } {
  const start = DateTime.fromISO(day, { zone: timezone }).startOf('day');
  return { start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}

const utcDay = (day: string) => DateTime.fromISO(day, { zone: 'utc' });

export function addDays(day: string, n: number): string {
  return utcDay(day).plus({ days: n }).toISODate() ?? day;
}

/** Days from `from` to `to`, both included. */
export function dayCount(from: string, to: string): number {
  return Math.round(utcDay(to).diff(utcDay(from), 'days').days) + 1;
}

export function isCalendarDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && utcDay(s).isValid;
}

export type Interval = 'day' | 'week' | 'month';

/** The period a day falls in: the day, its ISO week's Monday, or its month ('YYYY-MM'). */
export function periodOf(day: string, interval: Interval): string {
  if (interval === 'day') return day;
  const d = utcDay(day);
  if (interval === 'week') return d.startOf('week').toISODate() ?? day;
  return day.slice(0, 7);
}

/** Every period that overlaps [from, to], in order. */
export function periodsBetween(from: string, to: string, interval: Interval): string[] {
  const periods: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const p = periodOf(d, interval);
    if (periods[periods.length - 1] !== p) periods.push(p);
  }
  return periods;
}

export interface DayRange {
  from: string;
  to: string;
  days: number;
}

/**
 * A report's range: `from` and `to` are days, both included. Without `to`, today; without
 * `from`, the 7 days ending at `to`. An inverted or too long range is a 400.
 */
export function resolveRange(
  q: { from?: string | undefined; to?: string | undefined },
  today: string,
  maxDays: number,
): DayRange {
  const to = q.to ?? (q.from && q.from > today ? q.from : today);
  const from = q.from ?? addDays(to, -6);
  if (from > to) {
    throw new ValidationError('The range is inverted', [
      { field: 'query.from', message: 'must be on or before to' },
    ]);
  }
  const days = dayCount(from, to);
  if (days > maxDays) {
    throw new ValidationError('The range is too long', [
      { field: 'query.to', message: `the range may span at most ${maxDays} days` },
    ]);
  }
  return { from, to, days };
}
