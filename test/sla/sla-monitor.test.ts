import type { TickResult } from '../../src/modules/sla/sla-monitor.service';
import type { DomainEventMap } from '../../src/platform/events/domain-events';
import { createAgent, createCustomer, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

const MIN = 60_000;
const ago = (minutes: number) => new Date(Date.now() - minutes * MIN).toISOString();

type Alert = { type: 'sla.warning' | 'sla.breach' } & Partial<DomainEventMap['sla.breach']>;

interface World {
  app: TestApp;
  lead: AgentWithToken;
  customerId: string;
  alerts: Alert[];
}

async function world(app: TestApp): Promise<World> {
  const lead = await createAgent(app.container, { role: 'lead' });
  const customerId = (await createCustomer(app.container)).id;
  return { app, lead, customerId, alerts: listen(app) };
}

function listen(app: TestApp): Alert[] {
  const alerts: Alert[] = [];
  app.container.events.on('sla.warning', (p) => void alerts.push({ type: 'sla.warning', ...p }));
  app.container.events.on('sla.breach', (p) => void alerts.push({ type: 'sla.breach', ...p }));
  return alerts;
}

async function policies(w: World): Promise<void> {
  const post = (body: object) => w.app.http.post('/api/sla/policies').set(w.lead.auth).send(body).expect(201);
  await post({ priority: 'urgent', firstResponseMinutes: 30, resolutionMinutes: 600 });
  await post({ priority: 'high', firstResponseMinutes: 60, resolutionMinutes: 480 });
}

async function ticket(w: World, body: object): Promise<string> {
  const res = await w.app.http
    .post('/api/tickets')
    .set(w.lead.auth)
    .send({ subject: 'Help', customerId: w.customerId, body: 'Hello', ...body })
    .expect(201);
  return res.body.id as string;
}

const tick = (app: TestApp) => app.container.services.slaMonitor.tick();
const setNow = (app: TestApp, d: Date | null) => {
  app.container.services.sla.time.now = d ? () => d : () => new Date();
};
const of = (alerts: Alert[], ids: string[]) => alerts.filter((a) => a.ticketId && ids.includes(a.ticketId));

/** Ticks once, counting the statements the tick's own connection sends. */
async function statementsOfTick(app: TestApp): Promise<{ statements: number; result: TickResult }> {
  const db = app.container.db;
  const createRunner = db.createQueryRunner.bind(db);
  let statements = 0;
  const spy = jest.spyOn(db, 'createQueryRunner').mockImplementation((mode) => {
    const runner = createRunner(mode);
    const query = runner.query.bind(runner);
    runner.query = ((...args: Parameters<typeof query>) => {
      statements++;
      return query(...args);
    }) as typeof runner.query;
    return runner;
  });
  try {
    return { result: await tick(app), statements };
  } finally {
    spy.mockRestore();
  }
}

describe('the monitor', () => {
  let w: World;
  let second: TestApp;
  let secondAlerts: Alert[];

  beforeAll(async () => {
    const app = await startTestApp({ env: { SLA_WARNING_MINUTES: '15' } });
    w = await world(app);
    second = await startTestApp({ share: app, env: { SLA_WARNING_MINUTES: '15' } });
    secondAlerts = listen(second);
    await policies(w);
  });
  afterAll(async () => {
    await second.stop();
    await w.app.stop();
  });

  test('when a target comes within the warning window, then one warning is recorded; once it is past due, one breach', async () => {
    const id = await ticket(w, { priority: 'urgent', createdAt: ago(20) });
    const first = await tick(w.app);
    expect(first).toMatchObject({ skipped: false, warnings: 1, breaches: 0 });
    expect(await tick(w.app)).toMatchObject({ warnings: 0, breaches: 0 });
    await w.app.container.events.drain();
    expect(of(w.alerts, [id])).toEqual([
      {
        type: 'sla.warning',
        ticketId: id,
        target: 'first_response',
        dueAt: expect.any(String),
        assigneeId: null,
      },
    ]);
    const dueAt = of(w.alerts, [id])[0]?.dueAt ?? '';

    setNow(w.app, new Date(Date.parse(dueAt) + 1000));
    expect(await tick(w.app)).toMatchObject({ warnings: 0, breaches: 1 });
    expect(await tick(w.app)).toMatchObject({ warnings: 0, breaches: 0 });
    await w.app.container.events.drain();
    expect(of(w.alerts, [id]).filter((a) => a.type === 'sla.breach')).toEqual([
      {
        type: 'sla.breach',
        ticketId: id,
        target: 'first_response',
        dueAt,
        breachedAt: dueAt,
        assigneeId: null,
      },
    ]);
    const sla = await w.app.http.get(`/api/sla/tickets/${id}`).set(w.lead.auth).expect(200);
    expect(sla.body.firstResponseBreached).toBe(true);
    const fr = sla.body.clocks.find((c: { target: string }) => c.target === 'first_response');
    expect(fr.breachRecordedAt).not.toBeNull();
    expect(fr.warningRecordedAt).not.toBeNull();
    setNow(w.app, null);
  });

  test('when two workers run the check at the same moment, then every alert is recorded and published exactly once', async () => {
    const overdue = await Promise.all(
      [1, 2, 3, 4, 5].map(() => ticket(w, { priority: 'high', createdAt: ago(180) })),
    );
    const soon = await Promise.all(
      [1, 2, 3].map(() => ticket(w, { priority: 'urgent', createdAt: ago(25) })),
    );
    const ids = [...overdue, ...soon];
    const results = await Promise.all([tick(w.app), tick(second), tick(w.app), tick(second)]);
    // Whatever ran (a tick that found another running is skipped), one more tick finds nothing.
    expect(results.some((r) => !r.skipped)).toBe(true);
    expect(await tick(second)).toMatchObject({ warnings: 0, breaches: 0 });
    await Promise.all([w.app.container.events.drain(), second.container.events.drain()]);
    const published = [...of(w.alerts, ids), ...of(secondAlerts, ids)];
    expect(
      published
        .filter((a) => a.type === 'sla.breach')
        .map((a) => a.ticketId)
        .sort(),
    ).toEqual([...overdue].sort());
    expect(
      published
        .filter((a) => a.type === 'sla.warning')
        .map((a) => a.ticketId)
        .sort(),
    ).toEqual([...soon].sort());
    const counts: Array<{ n: number }> = await w.app.container.db.query(
      `SELECT count(*)::int AS n FROM sla_alerts WHERE ticket_id = ANY($1::uuid[]) GROUP BY clock_id, kind`,
      [ids],
    );
    expect(counts).toHaveLength(8);
    expect(counts.every((c) => c.n === 1)).toBe(true);
  });

  test('when a tick is running, then a second one started meanwhile is skipped rather than overlapping it', async () => {
    const runner = w.app.container.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock($1)`, [0x534c41]);
      expect(await tick(second)).toMatchObject({ skipped: true, checked: 0 });
      await runner.query(`SELECT pg_advisory_unlock($1)`, [0x534c41]);
      expect((await tick(second)).skipped).toBe(false);
    } finally {
      await runner.release();
    }
  });

  test('when the monitor forgets what it recorded, then the unique key still refuses a second alert', async () => {
    const id = await ticket(w, { priority: 'high', createdAt: ago(240) });
    expect(await tick(w.app)).toMatchObject({ breaches: 1 });
    // Lose the marks (as if a worker had crashed between recording and marking).
    await w.app.container.db.query(
      `UPDATE sla_clocks SET warned_at = NULL, breached_at = NULL, check_at = now() - interval '1 minute' WHERE ticket_id = $1`,
      [id],
    );
    const again = await tick(w.app);
    expect(again).toMatchObject({ warnings: 0, breaches: 0 });
    expect(again.checked).toBeGreaterThanOrEqual(2);
    await w.app.container.events.drain();
    expect(of(w.alerts, [id])).toHaveLength(1);
    const [row] = await w.app.container.db.query(
      `SELECT count(*)::int AS n FROM sla_clocks WHERE ticket_id = $1 AND check_at < now()`,
      [id],
    );
    expect(row.n).toBe(0);
  });

  test('when a ticket is paused or answered before its due time, then nothing is recorded for it', async () => {
    const paused = await ticket(w, { priority: 'urgent', createdAt: ago(5) });
    await w.app.http.patch(`/api/tickets/${paused}`).set(w.lead.auth).send({ status: 'pending' }).expect(200);
    const answered = await ticket(w, { priority: 'urgent', createdAt: ago(5) });
    await w.app.http
      .post(`/api/tickets/${answered}/messages`)
      .set(w.lead.auth)
      .send({ body: 'On it' })
      .expect(201);
    setNow(w.app, new Date(Date.now() + 60 * MIN));
    await tick(w.app);
    setNow(w.app, null);
    await w.app.container.events.drain();
    expect(of(w.alerts, [paused])).toEqual([]);
    expect(of(w.alerts, [answered]).filter((a) => a.target === 'first_response')).toEqual([]);
  });

  test('when a ticket is deleted, then its clocks leave the monitor', async () => {
    const id = await ticket(w, { priority: 'high', createdAt: ago(300) });
    await w.app.http.delete(`/api/tickets/${id}`).set(w.lead.auth).expect(204);
    await w.app.container.events.drain();
    await tick(w.app);
    await w.app.container.events.drain();
    expect(of(w.alerts, [id])).toEqual([]);
    const [row] = await w.app.container.db.query(
      `SELECT count(*)::int AS n FROM sla_clocks WHERE ticket_id = $1 AND check_at IS NOT NULL`,
      [id],
    );
    expect(row.n).toBe(0);
  });

  test('when many clocks are due at once, then a batch takes the same few statements as when few are', async () => {
    await tick(w.app); // whatever earlier tests left due
    const due = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await ticket(w, { priority: 'high', createdAt: ago(180) }); // first response breached
        await ticket(w, { priority: 'urgent', createdAt: ago(25) }); // first response about to be
      }
    };
    await due(1);
    const few = await statementsOfTick(w.app);
    await due(8);
    const many = await statementsOfTick(w.app);
    expect(few.result).toMatchObject({ warnings: 1, breaches: 1 });
    expect(many.result).toMatchObject({ warnings: 8, breaches: 8 });
    expect(many.statements).toBe(few.statements);
  });

  test("when a breached ticket is deleted, then it no longer counts among its customer's breached tickets", async () => {
    const customerId = (await createCustomer(w.app.container)).id;
    const ids = [
      await ticket(w, { priority: 'high', customerId, createdAt: ago(180) }),
      await ticket(w, { priority: 'high', customerId, createdAt: ago(180) }),
    ];
    await tick(w.app);
    const since = new Date(Date.now() - 24 * 60 * MIN);
    const sla = w.app.container.services.sla;
    expect(await sla.breachedTickets(customerId, since)).toBe(2);
    await w.app.http.delete(`/api/tickets/${ids[0]}`).set(w.lead.auth).expect(204);
    expect(await sla.breachedTickets(customerId, since)).toBe(1);
  });

  test('when the worker was down for a day, then the next tick catches up every breach at its real due time', async () => {
    const ids = [
      await ticket(w, { priority: 'urgent' }),
      await ticket(w, { priority: 'high' }),
      await ticket(w, { priority: 'high', createdAt: ago(30) }),
    ];
    setNow(w.app, new Date(Date.now() + 24 * 60 * MIN));
    await tick(w.app);
    setNow(w.app, null);
    await w.app.container.events.drain();
    const mine = of(w.alerts, ids);
    // First response and resolution of each ticket: breached once each, no warnings.
    expect(mine.filter((a) => a.type === 'sla.breach')).toHaveLength(6);
    expect(mine.filter((a) => a.type === 'sla.warning')).toHaveLength(0);
    for (const a of mine) expect(a.breachedAt).toBe(a.dueAt);
  });
});

describe('the scheduled job', () => {
  test('when the check runs on a short interval, then breaches are recorded by the worker on its own', async () => {
    const app = await startTestApp({ env: { SLA_CHECK_INTERVAL_SECONDS: '1' } });
    try {
      const w = await world(app);
      await policies(w);
      const id = await ticket(w, { priority: 'urgent', createdAt: ago(45) });
      await app.container.queues.schedule(app.container.schedules);
      app.startWorker();
      const deadline = Date.now() + 15_000;
      let breaches: Array<{ ticketId: string; target: string }> = [];
      while (Date.now() < deadline) {
        const res = await app.http.get('/api/sla/breaches').set(w.lead.auth).expect(200);
        breaches = res.body.data;
        if (breaches.length > 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(breaches).toEqual([expect.objectContaining({ ticketId: id, target: 'first_response' })]);
      await app.container.events.drain();
      expect(w.alerts.filter((a) => a.type === 'sla.breach')).toHaveLength(1);
    } finally {
      await app.stop();
    }
  });
});

describe('reports', () => {
  let w: World;
  const ids: Record<string, string> = {};
  let viewer: AgentWithToken;

  beforeAll(async () => {
    w = await world(await startTestApp({ env: { SLA_WARNING_MINUTES: '15' } }));
    viewer = await createAgent(w.app.container, { role: 'viewer' });
    await policies(w);
    const reply = (id: string) =>
      w.app.http.post(`/api/tickets/${id}/messages`).set(w.lead.auth).send({ body: 'Answer' }).expect(201);
    ids.overdue = await ticket(w, { priority: 'high', createdAt: ago(120) }); // first response due 60 min ago
    ids.soon = await ticket(w, { priority: 'urgent', createdAt: ago(20) }); // due in 10 min
    ids.onTime = await ticket(w, { priority: 'high' });
    await reply(ids.onTime);
    ids.late = await ticket(w, { priority: 'urgent', createdAt: ago(60) }); // due 30 min ago, answered now
    await reply(ids.late);
    ids.none = await ticket(w, { priority: 'low' });
    await tick(w.app);
  });
  afterAll(async () => {
    await w.app.stop();
  });

  test('when breaches are listed, then the newest breach comes first and pages join up', async () => {
    const page1 = await w.app.http.get('/api/sla/breaches?limit=1').set(viewer.auth).expect(200);
    expect(page1.body.data).toEqual([
      expect.objectContaining({ ticketId: ids.late, target: 'first_response', priority: 'urgent' }),
    ]);
    const page2 = await w.app.http
      .get(`/api/sla/breaches?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`)
      .set(viewer.auth)
      .expect(200);
    expect(page2.body.data).toEqual([
      expect.objectContaining({ ticketId: ids.overdue, target: 'first_response' }),
    ]);
    expect(page2.body.nextCursor).toBeNull();
    const none = await w.app.http.get('/api/sla/breaches?target=resolution').set(viewer.auth).expect(200);
    expect(none.body.data).toEqual([]);
    const byPriority = await w.app.http.get('/api/sla/breaches?priority=high').set(viewer.auth).expect(200);
    expect(byPriority.body.data.map((b: { ticketId: string }) => b.ticketId)).toEqual([ids.overdue]);
    await w.app.http.get('/api/sla/breaches?cursor=nonsense').set(viewer.auth).expect(400);
  });

  test('when targets at risk are listed, then only running targets due within the window are given, soonest first', async () => {
    const res = await w.app.http.get('/api/sla/at-risk?withinMinutes=15').set(viewer.auth).expect(200);
    expect(res.body.withinMinutes).toBe(15);
    expect(res.body.data).toEqual([
      expect.objectContaining({ ticketId: ids.soon, target: 'first_response', priority: 'urgent' }),
    ]);
    expect(res.body.data[0].remainingMinutes).toBeGreaterThanOrEqual(8);
    expect(res.body.data[0].remainingMinutes).toBeLessThanOrEqual(10);
    const wide = await w.app.http.get('/api/sla/at-risk?withinMinutes=600').set(viewer.auth).expect(200);
    const dues = wide.body.data.map((d: { dueAt: string }) => d.dueAt);
    expect(dues).toEqual([...dues].sort());
    expect(wide.body.data.some((d: { ticketId: string }) => d.ticketId === ids.overdue)).toBe(true);
    await w.app.http.get('/api/sla/at-risk?withinMinutes=-3').set(viewer.auth).expect(400);
  });

  test('when the dashboard is read, then it counts tickets at risk and breached now, and compliance by priority', async () => {
    const res = await w.app.http.get('/api/sla/dashboard').set(viewer.auth).expect(200);
    expect(res.body).toMatchObject({
      warningMinutes: 15,
      openAtRisk: 1,
      breachedNow: 1,
      firstResponse: { met: 1, breached: 2, total: 3, compliancePercent: 33.3 },
      resolution: { met: 0, breached: 0, total: 0, compliancePercent: null },
    });
    const high = res.body.byPriority.find((p: { priority: string }) => p.priority === 'high');
    expect(high).toMatchObject({
      breachedNow: 1,
      firstResponse: { met: 1, breached: 1, compliancePercent: 50 },
    });
    const urgent = res.body.byPriority.find((p: { priority: string }) => p.priority === 'urgent');
    expect(urgent).toMatchObject({ openAtRisk: 1, firstResponse: { met: 0, breached: 1 } });
    expect(res.body.byPriority.map((p: { priority: string }) => p.priority)).toEqual([
      'urgent',
      'high',
      'normal',
      'low',
    ]);
  });

  test('when the dashboard range holds no decisions or is reversed, then it is empty or a 400', async () => {
    const past = await w.app.http
      .get('/api/sla/dashboard?from=2020-01-01&to=2020-01-31')
      .set(viewer.auth)
      .expect(200);
    expect(past.body.firstResponse.total).toBe(0);
    expect(past.body.from).toBe('2020-01-01T00:00:00.000Z');
    expect(past.body.to).toBe('2020-02-01T00:00:00.000Z');
    const bad = await w.app.http
      .get('/api/sla/dashboard?from=2026-02-01&to=2026-01-01')
      .set(viewer.auth)
      .expect(400);
    expect(bad.body.error.details[0].field).toBe('query.from');
    await w.app.http.get('/api/sla/dashboard?from=yesterday').set(viewer.auth).expect(400);
  });

  test('when the SLA of an unknown ticket is asked for, then it is a 404', async () => {
    await w.app.http
      .get('/api/sla/tickets/00000000-0000-4000-8000-000000000000')
      .set(viewer.auth)
      .expect(404);
  });
});
