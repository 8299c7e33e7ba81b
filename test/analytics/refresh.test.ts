import { addDays, localDay } from '../../src/modules/analytics/days';
import type { AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { Oracle } from './oracle';
import { buildWorld, refresh, shiftActivity, TIMEZONE, type World } from './world';

/**
 * The jobs that keep the rollups current: the incremental refresh (cost follows what changed),
 * the nightly recompute of a day from raw rows (idempotent, repairs what the refresh missed),
 * the full rebuild, two workers at once, the repeatable job, and online time.
 */
const DAY = 86_400_000;
let w: World;
let second: TestApp;
let oracle: Oracle;
let today: string;

beforeAll(async () => {
  const env = { APP_TIMEZONE: TIMEZONE, SLA_WARNING_MINUTES: '0', ANALYTICS_BATCH_SIZE: '4' };
  const app = await startTestApp({ env });
  second = await startTestApp({ share: app, env });
  w = await buildWorld(app);
  // Ann goes offline: no open interval keeps growing between snapshots.
  const [ann] = w.agents as [AgentWithToken];
  await app.http
    .put(`/api/agents/${ann.agent.id}/status`)
    .set(ann.auth)
    .send({ status: 'offline' })
    .expect(200);
  await refresh(app);
  oracle = new Oracle(app.container.db, TIMEZONE);
  today = localDay(new Date(), TIMEZONE);
}, 120_000);
afterAll(async () => {
  await second.stop();
  await w.app.stop();
});

const rollups = (app: TestApp = w.app) => app.container.services.analyticsRollups;
const team = (from: string, to: string) =>
  w.app.http
    .get('/api/analytics/team')
    .query({ from, to })
    .set(w.lead.auth)
    .expect(200)
    .then((r) => r.body);
const week = () => ({ from: addDays(today, -8), to: addDays(today, 1) });

/** Every rollup row (without its write time), for before/after comparisons. */
async function snapshot(app: TestApp = w.app): Promise<unknown[]> {
  const seg = await app.container.db.query(
    `SELECT to_jsonb(s) - 'updated_at' AS r FROM analytics_segment_daily s
      WHERE created + resolved + reopened + abs(open_delta) + repeats + first_response_count + resolution_count
            + sla_first_response_met + sla_first_response_breached + sla_next_reply_met + sla_next_reply_breached
            + sla_resolution_met + sla_resolution_breached > 0
      ORDER BY dimension, value, day`,
  );
  const agents = await app.container.db.query(
    `SELECT to_jsonb(a) - 'updated_at' AS r FROM analytics_agent_daily a
      WHERE assigned + accepted + transferred_in + transferred_out + resolved + reopened + public_replies + internal_notes
            + first_response_count + resolution_count + online_seconds + sla_first_response_met + sla_first_response_breached
            + sla_next_reply_met + sla_next_reply_breached + sla_resolution_met + sla_resolution_breached > 0
      ORDER BY agent_id, day`,
  );
  const open = await app.container.db.query(
    `SELECT to_jsonb(o) AS r FROM analytics_segment_open o WHERE open <> 0 ORDER BY dimension, value`,
  );
  return [...seg, ...agents, ...open];
}

async function expectTeamMatchesRaw(from: string, to: string): Promise<void> {
  const body = await team(from, to);
  const expected = await oracle.team(from, to);
  expect({
    created: body.created,
    resolved: body.resolved,
    reopened: body.reopened,
    backlog: body.backlog,
    firstResponses: body.firstResponse.count,
    sla: body.sla,
  }).toEqual({
    created: expected.created,
    resolved: expected.resolved,
    reopened: expected.reopened,
    backlog: expected.backlog,
    firstResponses: expected.firstResponse.count,
    sla: expected.sla,
  });
}

test('when nothing changed since the last refresh, then the next one folds nothing', async () => {
  const result = await rollups().refresh();
  expect(result).toMatchObject({ skipped: false, batches: 0, tickets: 0, changed: 0, rows: 0, pending: 0 });
});

test('when tickets change, then the next refresh refolds only those tickets (and their repeat neighbours) and the figures move', async () => {
  const { from, to } = week();
  const before = await team(from, to);
  await w.app.http
    .post('/api/tickets')
    .set(w.lead.auth)
    .send({ subject: 'New', customerId: w.customers.regular[1], category: 'returns', channel: 'chat' })
    .expect(201);
  await w.app.http
    .patch(`/api/tickets/${w.tickets[14]?.id}`)
    .set(w.lead.auth)
    .send({ status: 'solved' })
    .expect(200);
  await w.app.http
    .patch(`/api/tickets/${w.tickets[5]?.id}`)
    .set(w.lead.auth)
    .send({ category: 'billing' })
    .expect(200);
  await w.app.container.events.drain();

  // Until the refresh runs, the reports still show the figures of the last refresh.
  expect(await team(from, to)).toEqual(before);
  const result = await refresh(w.app);
  // Three tickets changed; recategorising ticket 5 to billing makes the customer's billing
  // ticket two days later (8) a repeat, so that one is refolded too. Nothing else is read.
  expect(result).toMatchObject({ changed: 4, tickets: 4 });
  const repeat = await w.app.container.db.query(
    `SELECT repeat FROM analytics_ticket_ledger WHERE ticket_id = $1`,
    [w.tickets[8]?.id],
  );
  expect(repeat).toEqual([{ repeat: true }]);
  const after = await team(from, to);
  expect(after.created).toBe(before.created + 1);
  expect(after.resolved).toBe(before.resolved + 1);
  await expectTeamMatchesRaw(from, to);
  const billing = await w.app.http
    .get('/api/analytics/tickets/categories')
    .query({ from, to })
    .set(w.lead.auth)
    .expect(200);
  const expected = await oracle.breakdown('category', from, to);
  expect(billing.body.data.find((d: { category: string }) => d.category === 'billing')).toEqual({
    category: 'billing',
    ...pickCounts(expected.find((e) => e.key === 'billing')),
  });
});

test('when a ticket is deleted, then its figures leave every report at the next refresh', async () => {
  const { from, to } = week();
  const before = await team(from, to);
  const victim = w.tickets[12];
  await w.app.http.delete(`/api/tickets/${victim?.id}`).set(w.lead.auth).expect(204);
  await refresh(w.app);
  const after = await team(from, to);
  expect(after.created).toBe(before.created - 1);
  await expectTeamMatchesRaw(from, to);
  const ledger = await w.app.container.db.query(
    `SELECT 1 FROM analytics_ticket_ledger WHERE ticket_id = $1`,
    [victim?.id],
  );
  expect(ledger).toEqual([]);
});

test('when the nightly recompute runs for each day, twice, then the rollups are unchanged (idempotent) and match the raw rows', async () => {
  const { from, to } = week();
  await refresh(w.app);
  const before = await snapshot();
  for (let d = from; d <= to; d = addDays(d, 1)) await rollups().recomputeDay(d);
  expect(await snapshot()).toEqual(before);
  for (let d = from; d <= to; d = addDays(d, 1)) await rollups().recomputeDay(d);
  expect(await snapshot()).toEqual(before);
  await expectTeamMatchesRaw(from, to);
});

test('when a rollup row is corrupted or a change never reached the log, then the nightly recompute of that day repairs it', async () => {
  const yesterday = addDays(today, -1);
  await w.app.container.db.query(
    `UPDATE analytics_segment_daily SET created = created + 5, first_response_hist = '{"3": 7}'
      WHERE dimension = 'all' AND day = $1`,
    [yesterday],
  );
  // Work moved to yesterday, and the change log lost it (as if written by a path without triggers).
  await shiftActivity(w.app, w.tickets[13]?.id ?? '', DAY);
  await w.app.container.db.query(`DELETE FROM analytics_changes`);
  expect((await team(yesterday, yesterday)).created).not.toBe(
    (await oracle.team(yesterday, yesterday)).created,
  );

  const result = await rollups().recomputeDay(yesterday);
  expect(result).toMatchObject({ day: yesterday });
  expect(result.tickets).toBeGreaterThan(0);
  const body = await team(yesterday, yesterday);
  const expected = await oracle.team(yesterday, yesterday);
  expect({
    created: body.created,
    resolved: body.resolved,
    firstResponses: body.firstResponse.count,
  }).toEqual({
    created: expected.created,
    resolved: expected.resolved,
    firstResponses: expected.firstResponse.count,
  });
  await expectTeamMatchesRaw(yesterday, yesterday);
  // The refolded ticket's other days moved with it (its ledger follows the raw rows).
  await expectTeamMatchesRaw(today, today);
});

test('when everything is rebuilt from scratch, then the rollups come out the same as the incremental ones', async () => {
  await refresh(w.app);
  const before = await snapshot();
  const result = await rollups().rebuildAll();
  expect(result.tickets).toBeGreaterThanOrEqual(14);
  expect(await snapshot()).toEqual(before);
});

test('when two workers refresh at the same moment, and a nightly recompute joins them, then the figures are folded exactly once', async () => {
  const { from, to } = week();
  for (const i of [0, 2, 9]) {
    await w.app.http
      .post(`/api/tickets/${w.tickets[i]?.id}/messages`)
      .set(w.lead.auth)
      .send({ body: 'one more thing', author: 'customer' })
      .expect(201);
  }
  await w.app.http
    .post('/api/tickets')
    .set(w.lead.auth)
    .send({ subject: 'Concurrent', customerId: w.customers.vip, category: 'billing', channel: 'email' })
    .expect(201);
  await w.app.container.events.drain();
  const results = await Promise.all([
    rollups(w.app).refresh(),
    rollups(second).refresh(),
    rollups(w.app).refresh(),
    rollups(second).recomputeDay(today),
    rollups(second).refresh(),
  ]);
  expect(results.some((r) => 'skipped' in r && !r.skipped)).toBe(true);
  const last = await rollups(second).refresh();
  expect(last.pending).toBe(0);
  await expectTeamMatchesRaw(from, to);
  await expectTeamMatchesRaw(today, today);
  const reference = await snapshot();
  await rollups().rebuildAll();
  expect(await snapshot()).toEqual(reference);
});

test('when an agent changes status, then the interval is recorded; a status set behind the listener’s back is repaired by the refresh', async () => {
  const [, bob] = w.agents as [AgentWithToken, AgentWithToken];
  await w.app.http
    .put(`/api/agents/${bob.agent.id}/status`)
    .set(bob.auth)
    .send({ status: 'online' })
    .expect(200);
  await w.app.container.events.drain();
  const open = async () =>
    (await w.app.container.db.query(
      `SELECT status FROM analytics_agent_status_intervals WHERE agent_id = $1 AND ended_at IS NULL`,
      [bob.agent.id],
    )) as Array<{ status: string }>;
  expect(await open()).toEqual([{ status: 'online' }]);
  await w.app.container.db.query(`UPDATE agents SET status = 'busy' WHERE id = $1`, [bob.agent.id]);
  await refresh(w.app);
  expect(await open()).toEqual([{ status: 'busy' }]);
  await w.app.container.db.query(
    `UPDATE analytics_agent_status_intervals SET started_at = started_at - interval '90 minutes'
      WHERE agent_id = $1 AND ended_at IS NULL`,
    [bob.agent.id],
  );
  await refresh(w.app);
  const body = await w.app.http
    .get(`/api/analytics/agents/${bob.agent.id}`)
    .query({ from: addDays(today, -1), to: today })
    .set(bob.auth)
    .expect(200)
    .then((r) => r.body);
  const expected = await oracle.agent(bob.agent.id, addDays(today, -1), today);
  // The open interval runs until the refresh's "now": a little less than the oracle's later now.
  expect(body.onlineMinutes).toBeGreaterThanOrEqual(89.9);
  expect(expected.onlineMinutes - body.onlineMinutes).toBeGreaterThanOrEqual(-0.05);
  expect(expected.onlineMinutes - body.onlineMinutes).toBeLessThan(2);
});

test('when the worker runs the schedules, then the refresh job keeps the figures current without anyone calling it', async () => {
  const env = { APP_TIMEZONE: TIMEZONE, ANALYTICS_REFRESH_SECONDS: '1' };
  const app = await startTestApp({ env });
  try {
    const schedules = app.container.schedules.filter((s) => s.name.startsWith('analytics.'));
    expect(schedules).toEqual([
      { name: 'analytics.refresh', payload: {}, repeat: { every: 1000 } },
      { name: 'analytics.nightly', payload: {}, repeat: { cron: '20 0 * * *', tz: TIMEZONE } },
    ]);
    const lead = w.lead;
    const appLead = await app.container.services.agents.create({
      email: 'lead-sched@test.example',
      name: 'Sched Lead',
      password: 'correct-horse-battery',
      role: 'lead',
      maxConcurrentTickets: 5,
      acceptsNew: true,
      specializations: [],
      languages: ['en'],
      seniority: 'senior',
    });
    const token = (await app.container.services.auth.startSession(appLead)).accessToken;
    void lead;
    for (let i = 0; i < 3; i++) {
      await app.http
        .post('/api/tickets')
        .set('Authorization', `Bearer ${token}`)
        .send({ subject: `Scheduled ${i}`, customer: { email: `sched${i}@test.example` } })
        .expect(201);
    }
    app.startWorker();
    await app.container.queues.schedule(app.container.schedules);
    const deadline = Date.now() + 20_000;
    let created = 0;
    while (Date.now() < deadline) {
      const res = await app.http
        .get('/api/analytics/team')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      created = res.body.created;
      if (created === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(created).toBe(3);
    const nightly = await app.container.queues.add('analytics.nightly', { day: today });
    expect(await nightly.finished()).toMatchObject({ day: today });
  } finally {
    await app.stop();
  }
}, 60_000);

function pickCounts(e: { created: number; resolved: number } | undefined) {
  return { created: e?.created, resolved: e?.resolved };
}
