import { AnalyticsRepository } from '../../src/modules/analytics/analytics.repository';
import { AnalyticsService } from '../../src/modules/analytics/analytics.service';
import { addDays, localDay } from '../../src/modules/analytics/days';
import { PERCENTILE_RELATIVE_ERROR } from '../../src/modules/analytics/histogram';
import type { AgentWithToken } from '../factories';
import { startTestApp } from '../setup/test-app';
import { Oracle, type SlaCounts, type Timing } from './oracle';
import { buildWorld, refresh, TIMEZONE, type World } from './world';

/**
 * Every report, after the refresh job has folded in a varied week of work, against the same
 * figures computed straight from raw rows by independent SQL (test/analytics/oracle.ts).
 */
let w: World;
let oracle: Oracle;
let today: string;
let ranges: Array<{ from: string; to: string }>;

beforeAll(async () => {
  const app = await startTestApp({ env: { APP_TIMEZONE: TIMEZONE, SLA_WARNING_MINUTES: '0' } });
  w = await buildWorld(app);
  // Ann goes offline now: her interval (from yesterday evening) closes, so online time is fixed.
  const [ann] = w.agents as [AgentWithToken];
  await app.http
    .put(`/api/agents/${ann.agent.id}/status`)
    .set(ann.auth)
    .send({ status: 'offline' })
    .expect(200);
  const result = await refresh(app);
  expect(result).toMatchObject({ skipped: false, pending: 0 });
  oracle = new Oracle(app.container.db, TIMEZONE);
  today = localDay(new Date(), TIMEZONE);
  ranges = [
    { from: addDays(today, -8), to: addDays(today, 1) },
    { from: addDays(today, -4), to: addDays(today, -1) },
    { from: today, to: today },
  ];
}, 120_000);
afterAll(async () => {
  await w.app.stop();
});

const get = (path: string, query: Record<string, string | number> = {}, who?: AgentWithToken) =>
  w.app.http
    .get(path)
    .query(query)
    .set((who ?? w.lead).auth)
    .expect(200)
    .then((r) => r.body);

/** Averages to the rounding; percentiles within the documented histogram error (+ rounding). */
function expectTiming(actual: Timing, expected: Timing, what: string): void {
  expect({ what, count: actual.count }).toEqual({ what, count: expected.count });
  if (expected.count === 0) {
    expect(actual).toEqual({ count: 0, avgMinutes: null, p50Minutes: null, p90Minutes: null });
    return;
  }
  expect(Math.abs((actual.avgMinutes ?? NaN) - (expected.avgMinutes ?? NaN))).toBeLessThanOrEqual(0.006);
  for (const p of ['p50Minutes', 'p90Minutes'] as const) {
    const exact = expected[p] ?? NaN;
    const bound = exact * PERCENTILE_RELATIVE_ERROR + 0.006 + 1 / 60;
    expect({ what, p, off: Math.abs((actual[p] ?? NaN) - exact) <= bound }).toEqual({ what, p, off: true });
  }
}

const rate = (met: number, breached: number) =>
  met + breached === 0 ? null : Math.round((met / (met + breached)) * 10_000) / 10_000;

function expectSla(
  body: { sla: SlaCounts; slaCompliance: Record<string, number | null> },
  expected: SlaCounts,
) {
  expect(body.sla).toEqual(expected);
  for (const t of ['firstResponse', 'nextReply', 'resolution'] as const)
    expect(body.slaCompliance[t]).toBe(rate(expected[t].met, expected[t].breached));
}

test('when the world is built, then it has the variety the comparisons need', async () => {
  const full = await oracle.team(ranges[0]?.from ?? '', ranges[0]?.to ?? '');
  expect(full.created).toBeGreaterThanOrEqual(14);
  expect(full.resolved).toBeGreaterThanOrEqual(8);
  expect(full.reopened).toBeGreaterThanOrEqual(1);
  expect(full.sla.firstResponse.met).toBeGreaterThan(0);
  expect(full.sla.firstResponse.breached).toBeGreaterThan(0);
  expect(full.sla.resolution.breached).toBeGreaterThan(0);
  expect(full.sla.nextReply.met + full.sla.nextReply.breached).toBeGreaterThanOrEqual(2);
  const days = (await w.app.container.db.query(
    `SELECT count(DISTINCT (created_at AT TIME ZONE $1)::date)::int AS n FROM ticket_status_changes WHERE to_status = 'solved'`,
    [TIMEZONE],
  )) as Array<{ n: number }>;
  expect(days[0]?.n).toBeGreaterThanOrEqual(3);
});

test('when the team report is read for several ranges and departments, then every figure matches the raw rows', async () => {
  for (const r of ranges) {
    for (const department of [null, 'support', 'billing']) {
      const body = await get('/api/analytics/team', { ...r, ...(department ? { department } : {}) });
      const expected = await oracle.team(r.from, r.to, department);
      const label = `${r.from}..${r.to} ${department ?? 'all'}`;
      expect({ label, ...pick(body, ['created', 'resolved', 'reopened', 'backlog']) }).toEqual({
        label,
        ...pick(expected, ['created', 'resolved', 'reopened', 'backlog']),
      });
      expectTiming(body.firstResponse, expected.firstResponse, `${label} first response`);
      expectTiming(body.resolution, expected.resolution, `${label} resolution`);
      expectSla(body, expected.sla);
    }
  }
  // The backlog at the end of any day (not only the last of a range) is right too.
  for (let d = -8; d <= 0; d++) {
    const day = addDays(today, d);
    const body = await get('/api/analytics/team', { from: day, to: day });
    expect({ day, backlog: body.backlog }).toEqual({ day, backlog: await oracle.backlog(day) });
  }
});

test("when each agent's report is read, then every figure matches the raw rows, with the workload now", async () => {
  for (const a of w.agents) {
    for (const r of ranges) {
      const body = await get(`/api/analytics/agents/${a.agent.id}`, r);
      const expected = await oracle.agent(a.agent.id, r.from, r.to);
      const counts = [
        'assigned',
        'accepted',
        'transferredIn',
        'transferredOut',
        'resolved',
        'reopened',
        'publicReplies',
        'internalNotes',
      ] as const;
      const label = `${a.agent.name} ${r.from}..${r.to}`;
      expect({ label, ...pick(body, counts) }).toEqual({ label, ...pick(expected, counts) });
      expectTiming(body.firstResponse, expected.firstResponse, `${label} first response`);
      expectTiming(body.resolution, expected.resolution, `${label} resolution`);
      expectSla(body, expected.sla);
      expect(Math.abs(body.onlineMinutes - expected.onlineMinutes)).toBeLessThanOrEqual(0.1);
    }
    const live = (await w.app.container.db.query(
      `SELECT open_tickets, max_concurrent_tickets, status FROM agents WHERE id = $1`,
      [a.agent.id],
    )) as Array<{ open_tickets: number; max_concurrent_tickets: number; status: string }>;
    const todayBody = await get(`/api/analytics/agents/${a.agent.id}/today`, {}, a);
    expect(todayBody).toEqual(await get(`/api/analytics/agents/${a.agent.id}`, { from: today, to: today }));
    expect(todayBody.workload).toEqual({
      open: live[0]?.open_tickets,
      capacity: live[0]?.max_concurrent_tickets,
      status: live[0]?.status,
    });
  }
  // Ann was online from 22:00 yesterday until now: time on both days.
  const [ann] = w.agents as [AgentWithToken];
  const yesterday = await get(`/api/analytics/agents/${ann.agent.id}`, {
    from: addDays(today, -1),
    to: addDays(today, -1),
  });
  expect(yesterday.onlineMinutes).toBeGreaterThanOrEqual(119.9);
});

test('when the leaderboard is read for each metric, then agents are ranked best first with the figures of their own reports', async () => {
  const r = ranges[0] ?? { from: '', to: '' };
  const figures = new Map<string, Awaited<ReturnType<Oracle['agent']>>>();
  for (const a of w.agents) figures.set(a.agent.id, await oracle.agent(a.agent.id, r.from, r.to));
  const expectedOf = (metric: string, f: Awaited<ReturnType<Oracle['agent']>>) => {
    const sla = f.sla;
    const met = sla.firstResponse.met + sla.nextReply.met + sla.resolution.met;
    const breached = sla.firstResponse.breached + sla.nextReply.breached + sla.resolution.breached;
    switch (metric) {
      case 'resolved':
        return { value: f.resolved, tickets: f.resolved };
      case 'assigned':
        return { value: f.assigned + f.transferredIn, tickets: f.assigned + f.transferredIn };
      case 'firstResponse':
        return { value: f.firstResponse.p50Minutes, tickets: f.firstResponse.count };
      case 'resolution':
        return { value: f.resolution.p50Minutes, tickets: f.resolution.count };
      default:
        return { value: rate(met, breached), tickets: met + breached };
    }
  };
  for (const metric of ['resolved', 'assigned', 'firstResponse', 'resolution', 'slaCompliance']) {
    for (const minTickets of [1, 3]) {
      const body = await get('/api/analytics/leaderboard', { ...r, metric, minTickets });
      const wanted = w.agents
        .map((a) => ({
          agentId: a.agent.id,
          ...expectedOf(metric, figures.get(a.agent.id) ?? fail('no figures')),
        }))
        .filter((x) => x.value !== null && x.tickets >= minTickets && x.tickets > 0);
      expect(body.data.map((d: { agentId: string }) => d.agentId).sort()).toEqual(
        wanted.map((x) => x.agentId).sort(),
      );
      for (const row of body.data as Array<{
        agentId: string;
        value: number;
        tickets: number;
        name: string;
      }>) {
        const exp = wanted.find((x) => x.agentId === row.agentId);
        expect(row.tickets).toBe(exp?.tickets);
        const tolerance =
          metric === 'firstResponse' || metric === 'resolution' ? (exp?.value ?? 0) * 0.05 + 0.03 : 0;
        expect(Math.abs(row.value - (exp?.value ?? NaN))).toBeLessThanOrEqual(tolerance);
        expect(row.name).toBe(w.agents.find((a) => a.agent.id === row.agentId)?.agent.name);
      }
      const values = body.data.map((d: { value: number }) => d.value);
      const better = metric === 'firstResponse' || metric === 'resolution' ? 'lower' : 'higher';
      const sorted = [...values].sort((a, b) => (better === 'lower' ? a - b : b - a));
      expect(values).toEqual(sorted);
      expect(body.data.map((d: { rank: number }) => d.rank)).toEqual(
        values.map((_: number, i: number) => i + 1),
      );
    }
  }
});

test('when ticket volume is read by day, week and month, then each period matches the raw rows', async () => {
  const r = ranges[0] ?? { from: '', to: '' };
  for (const interval of ['day', 'week', 'month'] as const) {
    const body = await get('/api/analytics/tickets/volume', { ...r, interval });
    const expected = await oracle.volume(r.from, r.to, interval);
    const nonZero = body.data.filter(
      (d: { created: number; resolved: number }) => d.created + d.resolved > 0,
    );
    expect({ interval, data: nonZero }).toEqual({ interval, data: expected });
  }
  const days = await get('/api/analytics/tickets/volume', { ...r, interval: 'day' });
  expect(days.data).toHaveLength(10);
});

test('when tickets are broken down by channel and category, then each row matches the raw rows', async () => {
  for (const r of ranges) {
    const channels = await get('/api/analytics/tickets/channels', r);
    const expectedChannels = (await oracle.breakdown('channel', r.from, r.to)).map((x) => ({
      channel: x.key,
      created: x.created,
      resolved: x.resolved,
    }));
    expect(sortBy(channels.data, 'channel')).toEqual(sortBy(expectedChannels, 'channel'));
    const categories = await get('/api/analytics/tickets/categories', r);
    const expectedCategories = (await oracle.breakdown('category', r.from, r.to)).map((x) => ({
      category: x.key,
      created: x.created,
      resolved: x.resolved,
    }));
    expect(sortBy(categories.data, 'category')).toEqual(sortBy(expectedCategories, 'category'));
  }
  const full = await get('/api/analytics/tickets/categories', ranges[0] ?? {});
  expect(full.data.some((d: { category: string | null }) => d.category === null)).toBe(true);
});

test('when SLA compliance is read, then met and breached counts and rates by priority and target match the raw rows', async () => {
  for (const r of ranges) {
    const body = await get('/api/analytics/sla/compliance', r);
    const expected: unknown[] = [];
    const overall = { firstResponse: [0, 0], nextReply: [0, 0], resolution: [0, 0] };
    for (const priority of ['urgent', 'high', 'normal', 'low']) {
      const sla = await oracle.slaByPriority(r.from, r.to, priority);
      for (const target of ['firstResponse', 'nextReply', 'resolution'] as const) {
        const { met, breached } = sla[target];
        overall[target][0] += met;
        overall[target][1] += breached;
        if (met + breached > 0)
          expected.push({
            priority,
            target,
            met,
            breached,
            total: met + breached,
            rate: rate(met, breached),
          });
      }
    }
    expect(body.data).toEqual(expected);
    expect(body.overall).toEqual(
      (['firstResponse', 'nextReply', 'resolution'] as const).map((target) => {
        const [met = 0, breached = 0] = overall[target];
        return { target, met, breached, total: met + breached, rate: rate(met, breached) };
      }),
    );
  }
});

test('when the churn report is read, then top customers, VIP resolution times and repeat issues match the raw rows', async () => {
  for (const r of ranges) {
    const body = await get('/api/analytics/customers/churn', r);
    // The container wires the intelligence's stored predictions as the churn source.
    expect(body.churnSource).toBe('intelligence');
    const highRisk = (await w.app.container.db.query(
      `SELECT customer_id FROM customer_insights WHERE churn_risk_level = 'high' ORDER BY churn_probability DESC, customer_id`,
    )) as Array<{ customer_id: string }>;
    expect(body.highRisk.map((c: { customerId: string }) => c.customerId)).toEqual(
      highRisk.map((c) => c.customer_id),
    );
    expect(
      body.topCustomers.map((c: { customerId: string; tickets: number }) =>
        pick(c, ['customerId', 'tickets']),
      ),
    ).toEqual(await oracle.topCustomers(r.from, r.to));
    expectTiming(body.vipResolution, await oracle.vipResolution(r.from, r.to), 'vip');
    const repeats = await oracle.repeats(r.from, r.to);
    expect(body.repeatIssues.data.map((x: object) => pick(x, ['customerId', 'category', 'tickets']))).toEqual(
      repeats,
    );
    expect(body.repeatIssues.total).toBe(repeats.reduce((s, x) => s + x.tickets, 0));
  }
  const full = await get('/api/analytics/customers/churn', ranges[0] ?? {});
  expect(full.repeatIssues.total).toBeGreaterThanOrEqual(2);
});

test('when a churn source is wired, then high-risk customers come with their open tickets and value', async () => {
  const c = w.app.container;
  const vip = w.customers.vip;
  const service = new AnalyticsService(
    new AnalyticsRepository(c.db),
    {
      name: 'intelligence',
      highRisk: () =>
        Promise.resolve([
          { customerId: vip, probability: 0.82, riskLevel: 'high', lifetimeValue: 1234.5, currency: 'EUR' },
        ]),
    },
    { timezone: TIMEZONE, maxRangeDays: 400 },
    { now: () => new Date() },
  );
  const report = await service.churnReport({ limit: 10 });
  const open = (await c.db.query(
    `SELECT count(*)::int AS n FROM tickets WHERE customer_id = $1 AND deleted_at IS NULL AND status NOT IN ('solved','closed')`,
    [vip],
  )) as Array<{ n: number }>;
  expect(report.churnSource).toBe('intelligence');
  expect(report.highRisk).toEqual([
    expect.objectContaining({
      customerId: vip,
      name: 'Vic VIP',
      tier: 'vip',
      probability: 0.82,
      lifetimeValue: 1234.5,
      openTicketCount: open[0]?.n,
    }),
  ]);
  expect(report.highRisk[0]?.openTickets.length).toBe(Math.min(5, open[0]?.n ?? 0));
  expect(open[0]?.n).toBeGreaterThan(0);
});

function pick<T extends object, K extends string>(o: T, keys: readonly K[]): Record<K, unknown> {
  const src = o as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, src[k]])) as Record<K, unknown>;
}

function sortBy<T>(rows: T[], key: keyof T): T[] {
  return [...rows].sort((a, b) => String(a[key] ?? '').localeCompare(String(b[key] ?? '')));
}

function fail(message: string): never {
  throw new Error(message);
}
