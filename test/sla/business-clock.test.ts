import { DateTime } from 'luxon';
import {
  addBusinessSeconds,
  BusinessHoursError,
  businessSecondsBetween,
  compileBusinessHours,
  isBusinessTime,
  type BusinessHours,
  type CompiledHours,
} from '../../src/modules/sla/business-clock';

const H = 3600;
const workweek = {
  mon: [['09:00', '17:00']],
  tue: [['09:00', '17:00']],
  wed: [['09:00', '17:00']],
  thu: [['09:00', '17:00']],
  fri: [['09:00', '17:00']],
} as BusinessHours['weekly'];
const allDay = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]),
) as BusinessHours['weekly'];

const hours = (timezone: string, weekly: BusinessHours['weekly'] = workweek, holidays: string[] = []) =>
  compileBusinessHours({ timezone, weekly, holidays });

/** A local wall-clock time in a zone, as an instant. */
const local = (zone: string, iso: string): Date => {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad local time ${iso}`);
  return dt.toJSDate();
};
const inZone = (zone: string, d: Date) =>
  DateTime.fromJSDate(d, { zone }).toISO({ suppressMilliseconds: true });

describe('without business hours', () => {
  test('when no business hours are set, then minutes are wall-clock minutes', () => {
    const start = new Date('2026-11-21T09:30:00.000Z');
    expect(addBusinessSeconds(start, 90 * 60, null).toISOString()).toBe('2026-11-21T11:00:00.000Z');
    expect(businessSecondsBetween(start, new Date('2026-11-22T09:30:00.000Z'), null)).toBe(24 * H);
  });

  test('when counting across a DST change without business hours, then real elapsed time counts', () => {
    const start = local('America/New_York', '2026-03-07T12:00');
    expect(addBusinessSeconds(start, 24 * H, null).getTime() - start.getTime()).toBe(24 * H * 1000);
  });
});

describe('weekdays and weekends', () => {
  const ny = hours('America/New_York');
  const z = 'America/New_York';

  test('when a count starts inside business time, then it runs to the same time the next business day', () => {
    // Monday 2026-11-23 10:00 + 8 business hours → Tuesday 10:00.
    const due = addBusinessSeconds(local(z, '2026-11-23T10:00'), 8 * H, ny);
    expect(inZone(z, due)).toBe('2026-11-24T10:00:00-05:00');
  });

  test('when a count starts on a Saturday, then it begins Monday at the first interval start', () => {
    const due = addBusinessSeconds(local(z, '2026-11-21T11:00'), 2 * H, ny);
    expect(inZone(z, due)).toBe('2026-11-23T11:00:00-05:00');
  });

  test('when a count starts before opening, then it begins at opening', () => {
    const due = addBusinessSeconds(local(z, '2026-11-23T06:15'), 30 * 60, ny);
    expect(inZone(z, due)).toBe('2026-11-23T09:30:00-05:00');
  });

  test('when a count starts after closing on a Friday, then it continues on Monday', () => {
    const due = addBusinessSeconds(local(z, '2026-11-27T18:00'), 1 * H, ny);
    expect(inZone(z, due)).toBe('2026-11-30T10:00:00-05:00');
  });

  test('when a count ends exactly at closing, then the due time is closing, not the next morning', () => {
    const due = addBusinessSeconds(local(z, '2026-11-23T09:00'), 8 * H, ny);
    expect(inZone(z, due)).toBe('2026-11-23T17:00:00-05:00');
    const fromAfternoon = addBusinessSeconds(local(z, '2026-11-27T16:00'), 1 * H, ny);
    expect(inZone(z, fromAfternoon)).toBe('2026-11-27T17:00:00-05:00');
  });

  test('when zero seconds are counted, then the answer is the start itself or the next opening', () => {
    expect(inZone(z, addBusinessSeconds(local(z, '2026-11-23T12:00'), 0, ny))).toBe(
      '2026-11-23T12:00:00-05:00',
    );
    expect(inZone(z, addBusinessSeconds(local(z, '2026-11-23T17:00'), 0, ny))).toBe(
      '2026-11-24T09:00:00-05:00',
    );
  });

  test('when measuring over a weekend, then only weekday hours count', () => {
    // Friday 16:00 → Monday 10:00 = 1 h + 1 h.
    expect(businessSecondsBetween(local(z, '2026-11-27T16:00'), local(z, '2026-11-30T10:00'), ny)).toBe(
      2 * H,
    );
    expect(businessSecondsBetween(local(z, '2026-11-28T08:00'), local(z, '2026-11-29T20:00'), ny)).toBe(0);
  });

  test('when the end is before the start, then the business time is negative', () => {
    expect(businessSecondsBetween(local(z, '2026-11-30T10:00'), local(z, '2026-11-27T16:00'), ny)).toBe(
      -2 * H,
    );
  });

  test('when a time is given to the second, then the due time is exact to the second', () => {
    const due = addBusinessSeconds(local(z, '2026-11-23T16:59:58'), 5, ny);
    expect(inZone(z, due)).toBe('2026-11-24T09:00:03-05:00');
    const ms = addBusinessSeconds(new Date(local(z, '2026-11-23T10:00').getTime() + 500), 1.5, ny);
    expect(inZone(z, ms)).toBe('2026-11-23T10:00:02-05:00');
    expect(businessSecondsBetween(local(z, '2026-11-23T16:59:58'), local(z, '2026-11-24T09:00:03'), ny)).toBe(
      5,
    );
  });

  test('when asked whether a time is business time, then interval ends are excluded', () => {
    expect(isBusinessTime(local(z, '2026-11-23T09:00'), ny)).toBe(true);
    expect(isBusinessTime(local(z, '2026-11-23T16:59:59'), ny)).toBe(true);
    expect(isBusinessTime(local(z, '2026-11-23T17:00'), ny)).toBe(false);
    expect(isBusinessTime(local(z, '2026-11-22T12:00'), ny)).toBe(false);
  });
});

describe('split shifts', () => {
  const z = 'Europe/Berlin';
  const split = hours(z, {
    mon: [
      ['13:00', '17:00'],
      ['09:00', '12:00'],
    ],
    tue: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
      ['18:00', '20:00'],
    ],
  });

  test('when a count crosses the lunch break, then the break does not count', () => {
    const due = addBusinessSeconds(local(z, '2026-11-23T11:00'), 2 * H, split);
    expect(inZone(z, due)).toBe('2026-11-23T14:00:00+01:00');
  });

  test('when a count ends exactly at the end of the morning shift, then the due time is that end', () => {
    const due = addBusinessSeconds(local(z, '2026-11-23T11:00'), 1 * H, split);
    expect(inZone(z, due)).toBe('2026-11-23T12:00:00+01:00');
  });

  test('when a count starts during the break, then it begins when the afternoon shift starts', () => {
    const due = addBusinessSeconds(local(z, '2026-11-23T12:30'), 30 * 60, split);
    expect(inZone(z, due)).toBe('2026-11-23T13:30:00+01:00');
  });

  test('when a day has three shifts, then all of them count and the next business day follows', () => {
    // Tuesday 09:00 → 9 hours of shifts that day; 1 more hour rolls to next Monday 10:00.
    expect(businessSecondsBetween(local(z, '2026-11-24T00:00'), local(z, '2026-11-25T00:00'), split)).toBe(
      9 * H,
    );
    const due = addBusinessSeconds(local(z, '2026-11-24T09:00'), 10 * H, split);
    expect(inZone(z, due)).toBe('2026-11-30T10:00:00+01:00');
  });

  test('when an interval ends at 24:00, then it runs to midnight and joins the next day', () => {
    const late = hours(z, { fri: [['20:00', '24:00']], sat: [['00:00', '02:00']] });
    const due = addBusinessSeconds(local(z, '2026-11-27T23:00'), 2 * H, late);
    expect(inZone(z, due)).toBe('2026-11-28T01:00:00+01:00');
    expect(inZone(z, addBusinessSeconds(local(z, '2026-11-27T20:00'), 4 * H, late))).toBe(
      '2026-11-28T00:00:00+01:00',
    );
  });
});

describe('holidays', () => {
  const z = 'America/New_York';
  const xmas = hours(z, workweek, ['2026-12-25', '2026-12-24']);

  test('when a count runs into holidays, then they are skipped like a weekend', () => {
    // Wednesday 23 Dec 16:00 + 2 h → Monday 28 Dec 10:00 (24th and 25th are holidays).
    const due = addBusinessSeconds(local(z, '2026-12-23T16:00'), 2 * H, xmas);
    expect(inZone(z, due)).toBe('2026-12-28T10:00:00-05:00');
  });

  test('when a count starts on a holiday, then it begins on the next business day', () => {
    const due = addBusinessSeconds(local(z, '2026-12-25T10:00'), 1 * H, xmas);
    expect(inZone(z, due)).toBe('2026-12-28T10:00:00-05:00');
  });

  test('when holidays are local dates, then the zone of the policy decides which day they are', () => {
    const tokyo = hours('Asia/Tokyo', workweek, ['2026-12-25']);
    // 24 Dec 2026 is a Thursday: Tokyo business day; 25 Dec (Friday) is the holiday.
    const due = addBusinessSeconds(local('Asia/Tokyo', '2026-12-24T16:00'), 2 * H, tokyo);
    expect(inZone('Asia/Tokyo', due)).toBe('2026-12-28T10:00:00+09:00');
    expect(
      businessSecondsBetween(
        local('Asia/Tokyo', '2026-12-24T00:00'),
        local('Asia/Tokyo', '2026-12-26T00:00'),
        tokyo,
      ),
    ).toBe(8 * H);
  });
});

describe('daylight-saving transitions', () => {
  const cases = [
    // zone, the Sunday clocks go forward, the Sunday clocks go back
    { zone: 'America/New_York', forward: '2026-03-08', back: '2026-11-01' },
    { zone: 'Europe/London', forward: '2026-03-29', back: '2026-10-25' },
    { zone: 'Australia/Sydney', forward: '2026-10-04', back: '2026-04-05' },
  ];

  describe.each(cases)('in $zone', ({ zone, forward, back }) => {
    const around = hours(zone, allDay);
    const office = hours(zone, { ...workweek, sun: [['09:00', '17:00']] });

    test('when clocks go forward, then a whole-day interval holds 23 hours', () => {
      const start = local(zone, `${forward}T00:00`);
      const next = DateTime.fromISO(`${forward}T00:00`, { zone }).plus({ days: 1 }).toJSDate();
      expect(businessSecondsBetween(start, next, around)).toBe(23 * H);
    });

    test('when clocks go back, then a whole-day interval holds 25 hours', () => {
      const start = local(zone, `${back}T00:00`);
      const next = DateTime.fromISO(`${back}T00:00`, { zone }).plus({ days: 1 }).toJSDate();
      expect(businessSecondsBetween(start, next, around)).toBe(25 * H);
    });

    test('when business hours cover every hour, then counting equals real elapsed time across both changes', () => {
      for (const day of [forward, back]) {
        const start = DateTime.fromISO(`${day}T00:00`, { zone }).minus({ hours: 7 }).toJSDate();
        for (const h of [1, 5, 12, 24, 48]) {
          expect(addBusinessSeconds(start, h * H, around).getTime() - start.getTime()).toBe(h * H * 1000);
        }
      }
    });

    test('when office hours fall on a transition day, then they still hold 8 hours from 09:00 local', () => {
      for (const day of [forward, back]) {
        const due = addBusinessSeconds(local(zone, `${day}T07:00`), 8 * H, office);
        expect(DateTime.fromJSDate(due, { zone }).toFormat('yyyy-MM-dd HH:mm')).toBe(`${day} 17:00`);
        expect(businessSecondsBetween(local(zone, `${day}T00:00`), local(zone, `${day}T23:59`), office)).toBe(
          8 * H,
        );
      }
    });

    test('when a count spans the transition weekend, then due times land on local wall-clock hours', () => {
      for (const day of [forward, back]) {
        const friday = DateTime.fromISO(`${day}T16:00`, { zone }).minus({ days: 2 });
        const due = DateTime.fromJSDate(addBusinessSeconds(friday.toJSDate(), 2 * H, hours(zone)), { zone });
        expect(due.toFormat('cccc HH:mm')).toBe('Monday 10:00');
        expect(due.offset).not.toBe(friday.offset);
      }
    });
  });

  test('when an interval spans the hour that repeats, then it holds the extra real hour', () => {
    // New York, 1 Nov 2026: 01:00–03:00 local is three real hours (01:00 EDT → 03:00 EST).
    const z = 'America/New_York';
    const night = hours(z, { sun: [['01:00', '03:00']] });
    expect(businessSecondsBetween(local(z, '2026-11-01T00:00'), local(z, '2026-11-01T12:00'), night)).toBe(
      3 * H,
    );
    const due = addBusinessSeconds(local(z, '2026-10-31T12:00'), 2.5 * H, night);
    expect(due.toISOString()).toBe('2026-11-01T07:30:00.000Z'); // 02:30 EST
  });

  test('when an interval starts at a time that repeats, then it starts at the first occurrence', () => {
    const z = 'Europe/London';
    // London, 25 Oct 2026: 01:30 happens at 00:30Z (BST) and 01:30Z (GMT).
    const night = hours(z, { sun: [['01:30', '04:00']] });
    const due = addBusinessSeconds(local(z, '2026-10-24T12:00'), 0, night);
    expect(due.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  test('when an interval spans the hour that is skipped, then it holds one real hour less', () => {
    const z = 'Australia/Sydney';
    // Sydney, 4 Oct 2026: 02:00 AEST jumps to 03:00 AEDT; 01:00–04:00 is two real hours.
    const night = hours(z, { sun: [['01:00', '04:00']] });
    expect(businessSecondsBetween(local(z, '2026-10-04T00:00'), local(z, '2026-10-04T12:00'), night)).toBe(
      2 * H,
    );
  });

  test('when an interval starts inside the skipped hour, then it starts one gap later (Temporal "compatible")', () => {
    const z = 'America/New_York';
    const odd = hours(z, { sun: [['02:30', '05:00']] });
    const start = addBusinessSeconds(local(z, '2026-03-07T12:00'), 0, odd);
    expect(inZone(z, start)).toBe('2026-03-08T03:30:00-04:00');
  });
});

describe('long targets', () => {
  test('when a target spans many weeks, then whole weeks are counted at once and holidays still count', () => {
    const z = 'Europe/London';
    const h = hours(z, workweek, ['2027-01-01']);
    // 40 business hours a week; 10 weeks = 400 h from Monday 9:00 → 10 weeks later, Monday 9:00,
    // plus one extra day for the New Year holiday (a Friday) and the ends-at-closing rule.
    const start = local(z, '2026-11-23T09:00');
    const due = addBusinessSeconds(start, 400 * H, h);
    expect(inZone(z, due)).toBe('2027-02-01T17:00:00+00:00');
    expect(businessSecondsBetween(start, due, h)).toBe(400 * H);
  });

  test('when a target spans a year, then whole weeks are skipped instead of walking every day', () => {
    const h = hours('Australia/Sydney', workweek, ['2027-01-26', '2027-04-25']);
    const start = local('Australia/Sydney', '2026-11-23T09:00');
    const due = addBusinessSeconds(start, 2000 * H, h);
    // 50 weeks of 40 hours, two holidays and two DST changes: only the irregular weeks and the
    // edges are walked day by day; a regular week is known by its first day (a day-by-day walk
    // would have looked at some 360 days).
    expect(h.dayCache.size).toBeLessThan(110);
    expect(businessSecondsBetween(start, due, h)).toBe(2000 * H);
  });

  test('when a clock two years overdue is counted again, then the days it needs are already known', () => {
    const z = 'America/New_York';
    const h = hours(z, workweek, ['2025-07-04', '2025-12-25', '2026-07-04']);
    const now = local(z, '2026-11-23T10:00');
    const due = local(z, '2024-11-25T09:00');
    const overdue = businessSecondsBetween(now, due, h);
    const known = h.dayCache.size;
    // The same span a few minutes later (as the next list does): same days, no new zone lookups.
    const later = new Date(now.getTime() + 5 * 60_000);
    expect(businessSecondsBetween(later, due, h)).toBe(overdue - 5 * 60);
    expect(h.dayCache.size).toBe(known);
    expect(known).toBeLessThan(200);
  });

  test('when a long target crosses a DST change, then the weeks around it are still counted on local hours', () => {
    const z = 'America/New_York';
    // Eight 40-hour weeks from Monday 1 Feb 2027; clocks go forward on 14 March.
    const due = addBusinessSeconds(local(z, '2027-02-01T09:00'), 320 * H, hours(z));
    expect(inZone(z, due)).toBe('2027-03-26T17:00:00-04:00');
  });

  test('when a target is a year of business time, then the answer still round-trips exactly', () => {
    const z = 'America/New_York';
    const h = hours(z, { ...workweek, sat: [['10:00', '14:00']] }, ['2027-07-05', '2027-12-24']);
    const start = local(z, '2026-11-23T15:17:42');
    const seconds = 2200 * H + 123;
    const due = addBusinessSeconds(start, seconds, h);
    expect(businessSecondsBetween(start, due, h)).toBe(seconds);
  });
});

/** Minute-by-minute oracle: business minutes as seen on a wall clock in the zone. */
function oracleMinutes(zone: string, hoursDef: BusinessHours, from: Date, to: Date): number {
  let count = 0;
  for (let t = from.getTime(); t < to.getTime(); t += 60_000) {
    const dt = DateTime.fromMillis(t, { zone });
    if (hoursDef.holidays?.includes(dt.toISODate() ?? '')) continue;
    const day = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[dt.weekday % 7];
    const minute = dt.hour * 60 + dt.minute;
    const intervals = day ? (hoursDef.weekly[day] ?? []) : [];
    if (
      intervals.some(([s, e]) => {
        const [sh, sm] = s.split(':').map(Number);
        const [eh, em] = e.split(':').map(Number);
        return minute >= (sh ?? 0) * 60 + (sm ?? 0) && minute < (eh ?? 0) * 60 + (em ?? 0);
      })
    )
      count++;
  }
  return count;
}

describe('agreement with a minute-by-minute wall clock', () => {
  const def = (timezone: string): BusinessHours => ({
    timezone,
    weekly: {
      mon: [
        ['08:00', '12:00'],
        ['13:00', '17:30'],
      ],
      tue: [['08:00', '17:30']],
      wed: [
        ['08:00', '12:00'],
        ['13:00', '17:30'],
        ['19:00', '24:00'],
      ],
      thu: [['08:00', '17:30']],
      fri: [['08:00', '16:00']],
      sat: [['10:00', '14:00']],
    },
    holidays: ['2026-03-30', '2026-10-26', '2026-04-06'],
  });
  // A small deterministic generator so failures reproduce.
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };

  test.each(['America/New_York', 'Europe/London', 'Australia/Sydney'])(
    'when random windows around DST changes in %s are measured, then the clock agrees with the oracle',
    (zone) => {
      const d = def(zone);
      const compiled: CompiledHours = compileBusinessHours(d);
      const anchors = ['2026-03-05', '2026-03-26', '2026-10-22', '2026-10-01', '2026-04-02', '2026-10-29'];
      for (const anchor of anchors) {
        const base = local(zone, `${anchor}T00:00`).getTime();
        const from = new Date(base + Math.floor(rand() * 3 * 24 * 60) * 60_000);
        const to = new Date(from.getTime() + Math.floor(rand() * 6 * 24 * 60) * 60_000);
        const minutes = oracleMinutes(zone, d, from, to);
        expect(businessSecondsBetween(from, to, compiled)).toBe(minutes * 60);
        if (minutes > 0) {
          // The due time of exactly that much business time is no later than `to`, and has the same count.
          const due = addBusinessSeconds(from, minutes * 60, compiled);
          expect(due.getTime()).toBeLessThanOrEqual(to.getTime());
          expect(oracleMinutes(zone, d, from, due)).toBe(minutes);
        }
      }
    },
  );
});

describe('compiling business hours', () => {
  test('when the zone is unknown, then compiling fails', () => {
    expect(() => compileBusinessHours({ timezone: 'Mars/Olympus', weekly: workweek })).toThrow(
      BusinessHoursError,
    );
  });

  test('when intervals overlap or are reversed, then compiling fails', () => {
    expect(() =>
      compileBusinessHours({
        timezone: 'UTC',
        weekly: {
          mon: [
            ['09:00', '12:00'],
            ['11:00', '13:00'],
          ],
        },
      }),
    ).toThrow(/overlap/);
    expect(() => compileBusinessHours({ timezone: 'UTC', weekly: { mon: [['12:00', '09:00']] } })).toThrow(
      /reversed/,
    );
  });

  test('when there is no interval at all, then compiling fails rather than counting forever', () => {
    expect(() => compileBusinessHours({ timezone: 'UTC', weekly: {} })).toThrow(/no interval/);
  });

  test('when a holiday is not a real date, then compiling fails', () => {
    expect(() =>
      compileBusinessHours({ timezone: 'UTC', weekly: workweek, holidays: ['2026-02-30'] }),
    ).toThrow(/holiday/);
  });
});
