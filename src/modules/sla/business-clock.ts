import { IANAZone } from 'luxon';

/**
 * The SLA clock: how much business time lies between two instants, and when a given amount of
 * business time, counted from an instant, runs out. Pure functions over instants (`Date`); the
 * time-zone rules come from luxon's IANA zone data, never from hand-made offsets.
 *
 * Semantics (the contract the rest of the SLA engine and its tests rely on):
 * - Without business hours every second counts (wall-clock time).
 * - With business hours, an interval is local wall-clock time `[start, end)` on a weekday;
 *   `"24:00"` as an end is the next local midnight. Holidays are local dates with no business time.
 * - Counting from an instant outside business time begins at the next interval's start.
 * - When the count runs out exactly at an interval's end, the answer is that end (not the next
 *   interval's start).
 * - Local times are turned into instants the way RFC 5545 and Temporal ("compatible") do: a
 *   time that occurs twice (clocks going back) is its earlier occurrence; a time that does not
 *   exist (clocks going forward) is moved forward by the length of the gap. So a 00:00–24:00 day
 *   has 23 or 25 real hours on transition days, and 09:00–17:00 is always 8 hours.
 * - Precision is the millisecond (so certainly the second).
 */

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

/** Business hours as stored on a policy: `{timezone, weekly: {mon: [["09:00","17:00"]]}, holidays}`. */
export interface BusinessHours {
  timezone: string;
  weekly: Partial<Record<Weekday, Array<[string, string]>>>;
  holidays?: string[];
}

/** Business hours prepared for fast, repeated use (policies are compiled once per version). */
export interface CompiledHours {
  readonly zone: IANAZone;
  /** Per weekday (0 = Sunday), sorted `[startMinute, endMinute]` pairs of local time. */
  readonly weekly: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** Holidays as local epoch days (days since 1970-01-01). */
  readonly holidays: ReadonlySet<number>;
  /** Business milliseconds in a week with no holiday and no offset change. */
  readonly weekMs: number;
  /** Local epoch day → what the counts need to know of it, from the zone rules. Bounded. */
  readonly dayCache: Map<number, LocalDay>;
}

/**
 * A local day as instants. Cached because every count over a long span (the remaining time of
 * a clock months overdue, shown on every list) asks the same days again, and each zone-offset
 * lookup is an Intl call: uncached, two years cost ~11 ms per count (BENCHMARKS.md).
 */
interface LocalDay {
  /** The day's business intervals, in order, never overlapping. */
  readonly intervals: ReadonlyArray<readonly [number, number]>;
  /** Local midnight. */
  readonly start: number;
  /** Whether the seven days from this one are a plain week (`isPlainWeek`), once asked. */
  plainWeek?: boolean;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const DAY_CACHE_LIMIT = 4096;

export class BusinessHoursError extends Error {}

/** "09:30" → 570; "24:00" → 1440. Throws on anything else. */
export function parseClockTime(s: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m) throw new BusinessHoursError(`bad time ${s}`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) throw new BusinessHoursError(`bad time ${s}`);
  return h * 60 + min;
}

/** "2026-12-25" → its epoch day, or null when it is not a real calendar date. */
export function parseLocalDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return Math.floor(ms / DAY);
}

export function compileBusinessHours(hours: BusinessHours): CompiledHours {
  if (!IANAZone.isValidZone(hours.timezone))
    throw new BusinessHoursError(`unknown time zone ${hours.timezone}`);
  const weekly = weekdays.map((day) => {
    const intervals = (hours.weekly[day] ?? []).map(
      ([s, e]) => [parseClockTime(s), parseClockTime(e)] as const,
    );
    intervals.sort((a, b) => a[0] - b[0]);
    for (const [i, [s, e]] of intervals.entries()) {
      if (s >= e || s >= 1440) throw new BusinessHoursError(`${day}: interval ${i} is empty or reversed`);
      const prev = intervals[i - 1];
      if (prev && s < prev[1]) throw new BusinessHoursError(`${day}: intervals overlap`);
    }
    return intervals;
  });
  const weekMs = weekly.flat().reduce((sum, [s, e]) => sum + (e - s) * MINUTE, 0);
  if (weekMs === 0) throw new BusinessHoursError('business hours have no interval');
  const holidays = new Set<number>();
  for (const h of hours.holidays ?? []) {
    const day = parseLocalDate(h);
    if (day === null) throw new BusinessHoursError(`bad holiday ${h}`);
    holidays.add(day);
  }
  return { zone: IANAZone.create(hours.timezone), weekly, holidays, weekMs, dayCache: new Map() };
}

// ---------------------------------------------------------------------------------------------
// Local time ↔ instants

/** Offset (minutes) of the zone at an instant, from the IANA rules. */
const offsetAt = (zone: IANAZone, ms: number): number => zone.offset(ms);

/**
 * The first local epoch day that can hold an instant, one day early to be safe: every zone's
 * offset lies within ±14 h of UTC, so the instant's local day is its UTC day ± 1, and a
 * backward transition can put it in the previous day's last interval. Walking from here costs
 * a day or two more than the exact local day but asks the zone rules nothing (the counts only
 * compare instants, so extra days contribute nothing).
 */
const firstDayFor = (ms: number): number => Math.floor(ms / DAY) - 2;
/** The last local epoch day that can hold an instant. */
const lastDayFor = (ms: number): number => Math.floor(ms / DAY) + 1;

/**
 * The instant of a local wall-clock time (epoch day + minutes after midnight). A repeated time
 * is its earlier occurrence; a skipped time is shifted forward by the gap (Temporal "compatible").
 */
export function localToInstant(zone: IANAZone, day: number, minutes: number): number {
  const local = day * DAY + minutes * MINUTE;
  // Offsets in force well before and after cover both sides of any transition near this time.
  const before = offsetAt(zone, local - DAY);
  const after = offsetAt(zone, local + DAY);
  const candidates: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const t = local - off * MINUTE;
    if (offsetAt(zone, t) === off) candidates.push(t);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: read the wall time with the offset in force before the gap.
  return local - before * MINUTE;
}

const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday

function localDayOf(h: CompiledHours, day: number): LocalDay {
  const cached = h.dayCache.get(day);
  if (cached) return cached;
  const intervals: Array<readonly [number, number]> = [];
  if (!h.holidays.has(day)) {
    let floor = -Infinity;
    for (const [s, e] of h.weekly[weekdayOf(day)] ?? []) {
      const start = Math.max(localToInstant(h.zone, day, s), floor);
      const end = e === 1440 ? localToInstant(h.zone, day + 1, 0) : localToInstant(h.zone, day, e);
      if (end > start) {
        intervals.push([start, end]);
        floor = end;
      }
    }
  }
  const info: LocalDay = { intervals, start: localToInstant(h.zone, day, 0) };
  if (h.dayCache.size >= DAY_CACHE_LIMIT) h.dayCache.clear();
  h.dayCache.set(day, info);
  return info;
}

const dayIntervals = (h: CompiledHours, day: number) => localDayOf(h, day).intervals;

/** Whether a whole plain week starting on `day` lies at or after the instant `t`. */
function plainWeekFrom(h: CompiledHours, day: number, t: number): boolean {
  const info = localDayOf(h, day);
  if (info.start < t) return false;
  info.plainWeek ??= isPlainWeek(h, day);
  return info.plainWeek;
}

/**
 * True when the seven local days from `day` have exactly the nominal weekly business time: no
 * holiday, and the same UTC offset at every midnight (so no daylight-saving change inside).
 */
function isPlainWeek(h: CompiledHours, day: number): boolean {
  for (let d = day; d < day + 7; d++) if (h.holidays.has(d)) return false;
  const first = offsetAt(h.zone, day * DAY - offsetAt(h.zone, day * DAY) * MINUTE);
  for (let d = day + 1; d <= day + 7; d++) {
    if (offsetAt(h.zone, d * DAY - first * MINUTE) !== first) return false;
  }
  return true;
}

/** The most days any count may walk: holidays are finite and every week has business time. */
function dayBudget(h: CompiledHours, ms: number): number {
  return h.holidays.size + Math.ceil(ms / h.weekMs + 2) * 7 + 21;
}

// ---------------------------------------------------------------------------------------------
// The two operations

/**
 * The instant at which `seconds` of business time, counted from `start`, have elapsed.
 * `seconds` may carry milliseconds. Zero seconds from outside business time is the next start.
 */
export function addBusinessSeconds(start: Date, seconds: number, hours: CompiledHours | null): Date {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('seconds must be ≥ 0');
  let remaining = Math.round(seconds * 1000);
  if (!hours) return new Date(start.getTime() + remaining);
  let t = start.getTime();
  let day = firstDayFor(t);
  const lastDay = day + dayBudget(hours, remaining);
  while (day <= lastDay) {
    // Whole weeks at once, while more than two remain and the week lies entirely ahead.
    if (remaining > 2 * hours.weekMs && plainWeekFrom(hours, day, t)) {
      remaining -= hours.weekMs;
      day += 7;
      continue;
    }
    for (const [s, e] of dayIntervals(hours, day)) {
      if (e <= t) continue;
      const from = Math.max(s, t);
      if (remaining <= e - from) return new Date(from + remaining);
      remaining -= e - from;
      t = e;
    }
    day++;
  }
  throw new BusinessHoursError('business time never runs out within the allowed span');
}

/**
 * Business seconds (with milliseconds) between two instants; negative when `b` is before `a`.
 */
export function businessSecondsBetween(a: Date, b: Date, hours: CompiledHours | null): number {
  return businessMsBetween(a.getTime(), b.getTime(), hours) / 1000;
}

export function businessMsBetween(a: number, b: number, hours: CompiledHours | null): number {
  if (b < a) return -businessMsBetween(b, a, hours);
  if (!hours || a === b) return b - a;
  let total = 0;
  let day = firstDayFor(a);
  const endDay = lastDayFor(b);
  while (day <= endDay) {
    if (localDayOf(hours, day + 7).start <= b && plainWeekFrom(hours, day, a)) {
      total += hours.weekMs;
      day += 7;
      continue;
    }
    for (const [s, e] of dayIntervals(hours, day)) {
      const overlap = Math.min(e, b) - Math.max(s, a);
      if (overlap > 0) total += overlap;
    }
    day++;
  }
  return total;
}

/** Whether an instant lies inside business time (always true without business hours). */
export function isBusinessTime(at: Date, hours: CompiledHours | null): boolean {
  if (!hours) return true;
  const t = at.getTime();
  for (let d = firstDayFor(t); d <= lastDayFor(t); d++) {
    for (const [s, e] of dayIntervals(hours, d)) if (s <= t && t < e) return true;
  }
  return false;
}
