import { toCsv } from '../../src/modules/analytics/csv';
import {
  addDays,
  dayBounds,
  dayCount,
  periodOf,
  periodsBetween,
  resolveRange,
} from '../../src/modules/analytics/days';
import {
  addTo,
  bucketOf,
  bucketValue,
  GROWTH,
  LAST_BUCKET,
  percentile,
  PERCENTILE_RELATIVE_ERROR,
  type Histogram,
} from '../../src/modules/analytics/histogram';
import {
  buildFacts,
  daysOf,
  RollupDeltas,
  type RawTicketRows,
  type SegmentDelta,
} from '../../src/modules/analytics/ticket-facts';
import { ValidationError } from '../../src/platform/errors/app-error';

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('histograms', () => {
  test('when a duration is bucketed, then its bucket spans it and neighbouring buckets do not overlap', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(0.99)).toBe(0);
    expect(bucketOf(1)).toBe(1);
    for (const s of [1, 1.05, 1.1, 59, 60, 61, 3600, 86_400, 7 * 86_400, 30 * 86_400]) {
      const b = bucketOf(s);
      expect(GROWTH ** (b - 1)).toBeLessThanOrEqual(s * (1 + 1e-12));
      expect(s).toBeLessThan(GROWTH ** b * (1 + 1e-12));
    }
    expect(bucketOf(1e12)).toBe(LAST_BUCKET);
  });

  test('when percentiles are read from random durations, then each is within the documented bound of the exact nearest-rank value', () => {
    const next = random(7);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(next() * 400);
      const values = Array.from({ length: n }, () => Math.exp(next() * Math.log(30 * 86_400)));
      const h: Histogram = {};
      for (const v of values) addTo(h, bucketOf(v));
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of [0.5, 0.9, 0.99]) {
        const exact = sorted[Math.max(1, Math.ceil(p * n)) - 1] ?? 0;
        const estimate = percentile(h, p) ?? NaN;
        expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(PERCENTILE_RELATIVE_ERROR + 1e-9);
      }
    }
    expect(PERCENTILE_RELATIVE_ERROR).toBeCloseTo(0.0488, 3);
  });

  test('when counts are added and taken away again, then the histogram is empty and has no percentile', () => {
    const h: Histogram = {};
    addTo(h, 12, 3);
    addTo(h, 40);
    addTo(h, 12, -3);
    addTo(h, 40, -1);
    expect(h).toEqual({});
    expect(percentile(h, 0.5)).toBeNull();
    expect(bucketValue(0)).toBe(0);
  });
});

describe('ticket facts', () => {
  const raw = (over: Partial<RawTicketRows> = {}): RawTicketRows => ({
    ticket: {
      id: 't1',
      customerId: 'c1',
      createdAt: new Date('2026-11-10T12:00:00Z'),
      priority: 'high',
      channel: 'email',
      category: 'billing',
      assigneeId: 'a2',
      deleted: false,
      tier: 'vip',
      createdDay: '2026-11-10',
      firstResponseDay: '2026-11-10',
      firstResponseMs: 30 * 60_000,
      firstResponderId: 'a1',
      repeat: true,
    },
    statusChanges: [
      { ticketId: 't1', from: null, to: 'new', day: '2026-11-10', ms: 0 },
      { ticketId: 't1', from: 'new', to: 'open', day: '2026-11-10', ms: 1_800_000 },
      { ticketId: 't1', from: 'open', to: 'solved', day: '2026-11-11', ms: 86_400_000 },
      { ticketId: 't1', from: 'solved', to: 'open', day: '2026-11-12', ms: 2 * 86_400_000 },
      { ticketId: 't1', from: 'open', to: 'closed', day: '2026-11-13', ms: 3 * 86_400_000 },
    ],
    assignments: [
      {
        ticketId: 't1',
        agentId: 'a1',
        method: 'manual',
        assignedDay: '2026-11-10',
        acceptedDay: '2026-11-10',
        completedDay: null,
        completedMs: null,
        transferredDay: '2026-11-10',
      },
      {
        ticketId: 't1',
        agentId: 'a2',
        method: 'transfer',
        assignedDay: '2026-11-10',
        acceptedDay: null,
        completedDay: '2026-11-11',
        completedMs: 86_400_000,
        transferredDay: null,
      },
    ],
    messages: [
      { ticketId: 't1', agentId: 'a1', internal: false, day: '2026-11-10', n: 2 },
      { ticketId: 't1', agentId: 'a2', internal: true, day: '2026-11-11', n: 1 },
    ],
    sla: {
      ticketId: 't1',
      firstResponseBreached: false,
      firstResponseDay: '2026-11-10',
      resolutionBreached: true,
      resolutionDay: '2026-11-11',
    },
    nextReplies: [{ ticketId: 't1', breached: true, day: '2026-11-12' }],
    ...over,
  });

  const row = (d: RollupDeltas, dimension: string, value: string, day: string) =>
    d
      .changed()
      .find(
        (r): r is SegmentDelta =>
          r.kind === 'segment' && r.dimension === dimension && r.value === value && r.day === day,
      );

  test('when a ticket was solved, reopened and closed, then it counts two resolutions, one reopen and leaves the backlog', () => {
    const facts = buildFacts(raw());
    const d = new RollupDeltas().add(facts, 1);
    const totals = (dim: string, value: string) =>
      ['2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13']
        .map((day) => row(d, dim, value, day)?.counters ?? {})
        .reduce<Record<string, number>>((acc, c) => {
          for (const [k, v] of Object.entries(c)) acc[k] = (acc[k] ?? 0) + (v ?? 0);
          return acc;
        }, {});
    const all = totals('all', '');
    expect(all).toMatchObject({ created: 1, resolved: 2, reopened: 1, openDelta: 0, repeats: 1 });
    expect(all).toMatchObject({ slaFirstResponseMet: 1, slaResolutionBreached: 1, slaNextReplyBreached: 1 });
    expect(totals('category', 'billing')).toEqual(all);
    expect(totals('tier', 'vip')).toEqual(all);
    expect(totals('assignee', 'a2')).toEqual(all);
    expect(daysOf(facts)).toEqual(['2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13']);
  });

  test('when agent work is folded, then assignments, transfers, replies, notes and timings land on the right agent and day', () => {
    const d = new RollupDeltas().add(buildFacts(raw()), 1);
    const agent = (id: string, day: string) =>
      d.changed().find((r) => r.kind === 'agent' && r.agentId === id && r.day === day);
    expect(agent('a1', '2026-11-10')?.counters).toMatchObject({
      assigned: 1,
      accepted: 1,
      transferredOut: 1,
      publicReplies: 2,
      firstResponseCount: 1,
      firstResponseMs: 1_800_000,
    });
    expect(agent('a2', '2026-11-10')?.counters).toMatchObject({ transferredIn: 1, slaFirstResponseMet: 1 });
    expect(agent('a2', '2026-11-11')?.counters).toMatchObject({
      resolved: 1,
      resolutionMs: 86_400_000,
      internalNotes: 1,
      slaResolutionBreached: 1,
    });
    expect(agent('a2', '2026-11-11')?.resolutionHist).toEqual({ [String(bucketOf(86_400))]: 1 });
  });

  test('when a ticket is refolded unchanged, then nothing changes; when it moves category, then only its figures move', () => {
    const before = buildFacts(raw());
    expect(new RollupDeltas().add(before, -1).add(buildFacts(raw()), 1).changed()).toEqual([]);
    const after = buildFacts(raw({ ticket: { ...raw().ticket, category: 'shipping' } }));
    const d = new RollupDeltas().add(before, -1).add(after, 1);
    const dims = new Set(
      d.changed().map((r) => (r.kind === 'segment' ? `${r.dimension}:${r.value}` : 'agent')),
    );
    expect([...dims].sort()).toEqual(['category:billing', 'category:shipping']);
    expect(row(d, 'category', 'billing', '2026-11-10')?.counters.created).toBe(-1);
    expect(row(d, 'category', 'shipping', '2026-11-10')?.counters.created).toBe(1);
  });

  test('when a ticket is deleted, then it has no facts and refolding takes all of it away', () => {
    const before = buildFacts(raw());
    const gone = buildFacts(raw({ ticket: { ...raw().ticket, deleted: true } }));
    expect(gone).toBeNull();
    const both = new RollupDeltas().add(before, 1).add(gone, 1).add(before, -1);
    expect(both.changed()).toEqual([]);
  });
});

describe('days and ranges', () => {
  test('when no range is given, then it is the 7 days ending today; a given `to` anchors the default `from`', () => {
    expect(resolveRange({}, '2026-11-21', 400)).toEqual({ from: '2026-11-15', to: '2026-11-21', days: 7 });
    expect(resolveRange({ to: '2026-03-02' }, '2026-11-21', 400)).toMatchObject({ from: '2026-02-24' });
    expect(resolveRange({ from: '2026-11-01' }, '2026-11-21', 400)).toMatchObject({
      to: '2026-11-21',
      days: 21,
    });
  });

  test('when a range is inverted or too long, then it is a validation error', () => {
    expect(() => resolveRange({ from: '2026-11-22', to: '2026-11-21' }, '2026-11-21', 400)).toThrow(
      ValidationError,
    );
    expect(() => resolveRange({ from: '2025-01-01', to: '2026-11-21' }, '2026-11-21', 400)).toThrow(
      /too long/,
    );
  });

  test('when periods are listed, then weeks start on Monday and months are labelled YYYY-MM', () => {
    expect(periodOf('2026-11-22', 'week')).toBe('2026-11-16');
    expect(periodOf('2026-11-22', 'month')).toBe('2026-11');
    expect(periodsBetween('2026-10-30', '2026-11-10', 'week')).toEqual([
      '2026-10-26',
      '2026-11-02',
      '2026-11-09',
    ]);
    expect(periodsBetween('2026-10-30', '2026-11-10', 'month')).toEqual(['2026-10', '2026-11']);
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(dayCount('2026-01-01', '2026-12-31')).toBe(365);
  });

  test('when a local day crosses a DST change, then its bounds span 23 or 25 hours', () => {
    const spring = dayBounds('2026-03-08', 'America/New_York');
    expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(23);
    const autumn = dayBounds('2026-11-01', 'America/New_York');
    expect((autumn.end.getTime() - autumn.start.getTime()) / 3_600_000).toBe(25);
    expect(spring.start.toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });
});

describe('CSV', () => {
  test('when fields hold commas, quotes, line breaks or formulas, then they are quoted and defused', () => {
    const csv = toCsv({
      columns: [
        { header: 'name', value: (r: { name: string; n: number | null }) => r.name },
        { header: 'n', value: (r) => r.n },
      ],
      rows: [
        { name: 'Smith, "Jo"', n: 3 },
        { name: '=HYPERLINK("x")', n: null },
        { name: 'two\nlines', n: -1.5 },
      ],
    });
    expect(csv).toBe('name,n\r\n"Smith, ""Jo""",3\r\n"\'=HYPERLINK(""x"")",\r\n"two\nlines",-1.5\r\n');
  });
});
