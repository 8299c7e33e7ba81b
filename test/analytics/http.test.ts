import { addDays, localDay } from '../../src/modules/analytics/days';
import { createAgent, createCustomer, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

/** The report routes as clients see them: CSV, who may read what, and bad input. */
let app: TestApp;
let admin: AgentWithToken;
let lead: AgentWithToken;
let agent: AgentWithToken;
let other: AgentWithToken;
let viewer: AgentWithToken;
let today: string;

beforeAll(async () => {
  app = await startTestApp();
  const c = app.container;
  admin = await createAgent(c, { role: 'admin' });
  lead = await createAgent(c, { role: 'lead' });
  agent = await createAgent(c, { name: 'Ann, "the" Agent' });
  other = await createAgent(c, { name: 'Otto' });
  viewer = await createAgent(c, { role: 'viewer' });
  const customer = await createCustomer(c, { name: '=cmd|calc', tier: 'vip' });
  for (const [i, who] of [agent, agent, other].entries()) {
    const t = await app.http
      .post('/api/tickets')
      .set(lead.auth)
      .send({
        subject: `T${i}`,
        customerId: customer.id,
        category: i === 2 ? 'Billing, refunds' : 'billing',
        channel: i === 2 ? 'chat' : 'email',
        createdAt: new Date(Date.now() - (i + 1) * 3_600_000).toISOString(),
      })
      .expect(201);
    await app.http
      .post(`/api/tickets/${t.body.id}/assign`)
      .set(lead.auth)
      .send({ agentId: who.agent.id })
      .expect(200);
    await app.http
      .post(`/api/tickets/${t.body.id}/messages`)
      .set(who.auth)
      .send({ body: 'on it' })
      .expect(201);
    if (i < 2)
      await app.http.patch(`/api/tickets/${t.body.id}`).set(who.auth).send({ status: 'solved' }).expect(200);
  }
  await c.events.drain();
  await c.services.analyticsRollups.refresh();
  today = localDay(new Date(), c.config.timezone);
});
afterAll(async () => {
  await app.stop();
});

const routes = () => ({
  team: '/api/analytics/team',
  agent: `/api/analytics/agents/${agent.agent.id}`,
  agentToday: `/api/analytics/agents/${agent.agent.id}/today`,
  leaderboard: '/api/analytics/leaderboard',
  volume: '/api/analytics/tickets/volume',
  channels: '/api/analytics/tickets/channels',
  categories: '/api/analytics/tickets/categories',
  sla: '/api/analytics/sla/compliance',
  churn: '/api/analytics/customers/churn',
});

/** A small CSV reader (quoted fields, doubled quotes), enough to check what we write. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

async function both(path: string, query: Record<string, string> = {}, who = lead) {
  const json = await app.http.get(path).query(query).set(who.auth).expect(200);
  const csv = await app.http
    .get(path)
    .query({ ...query, format: 'csv' })
    .set(who.auth)
    .expect(200);
  expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(csv.headers['content-disposition']).toMatch(
    /^attachment; filename="[a-z-]+-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/,
  );
  return { body: json.body, rows: parseCsv(csv.text) };
}

test('when a tabular report is asked for as CSV, then it has a header row and one row per JSON row', async () => {
  const r = routes();
  const lb = await both(r.leaderboard, { metric: 'resolved' });
  expect(lb.rows[0]).toEqual(['rank', 'agentId', 'name', 'resolved', 'tickets']);
  expect(lb.rows.slice(1)).toEqual(
    lb.body.data.map((d: { rank: number; agentId: string; name: string; value: number; tickets: number }) => [
      String(d.rank),
      d.agentId,
      d.name,
      String(d.value),
      String(d.tickets),
    ]),
  );
  expect(lb.rows[1]?.[2]).toBe('Ann, "the" Agent');

  const volume = await both(r.volume, { interval: 'day' });
  expect(volume.rows[0]).toEqual(['period', 'created', 'resolved']);
  expect(volume.rows).toHaveLength(volume.body.data.length + 1);
  expect(volume.rows[volume.rows.length - 1]?.[0]).toBe(today);
  const sum = (col: number) => volume.rows.slice(1).reduce((n, row) => n + Number(row[col]), 0);
  expect([sum(1), sum(2)]).toEqual([3, 2]);

  const channels = await both(r.channels);
  expect(channels.rows).toEqual([
    ['channel', 'created', 'resolved'],
    ['email', '2', '2'],
    ['chat', '1', '0'],
  ]);
  const categories = await both(r.categories);
  expect(categories.rows).toEqual([
    ['category', 'created', 'resolved'],
    ['billing', '2', '2'],
    ['Billing, refunds', '1', '0'],
  ]);

  const sla = await both(r.sla);
  expect(sla.rows).toEqual([['priority', 'target', 'met', 'breached', 'total', 'rate']]);

  const churn = await both(r.churn, { section: 'topCustomers' });
  expect(churn.rows[0]).toEqual(['customerId', 'name', 'email', 'tier', 'tickets']);
  expect(churn.rows[1]?.[1]).toBe("'=cmd|calc");
  expect(churn.rows[1]?.[4]).toBe('3');
  const risky = await both(r.churn);
  expect(risky.rows).toEqual([
    [
      'customerId',
      'name',
      'email',
      'tier',
      'probability',
      'riskLevel',
      'lifetimeValue',
      'currency',
      'openTicketCount',
    ],
  ]);
  const repeats = await both(r.churn, { section: 'repeatIssues' });
  expect(repeats.rows.slice(1)).toEqual([
    [expect.any(String), "'=cmd|calc", expect.any(String), 'billing', '1'],
  ]);
});

test('when a one-row report is asked for as CSV, then its header names every figure and the row carries the JSON values', async () => {
  const r = routes();
  const team = await both(r.team);
  expect(team.rows).toHaveLength(2);
  const [header = [], values = []] = team.rows;
  const row = Object.fromEntries(header.map((h, i) => [h, values[i]]));
  expect(row).toMatchObject({
    created: String(team.body.created),
    resolved: String(team.body.resolved),
    backlog: String(team.body.backlog),
    firstResponseCount: '3',
    firstResponseP50Minutes: String(team.body.firstResponse.p50Minutes),
    slaFirstResponseCompliance: '',
  });
  const mine = await both(r.agent, {}, agent);
  const [h = [], v = []] = mine.rows;
  expect(Object.fromEntries(h.map((k, i) => [k, v[i]]))).toMatchObject({
    agentId: agent.agent.id,
    assigned: '2',
    resolved: '2',
    publicReplies: '2',
    openTickets: '0',
  });
  const todayCsv = await both(r.agentToday, {}, agent);
  expect(todayCsv.rows[1]?.slice(2, 4)).toEqual([today, today]);
});

test('when each role reads each report, then leads and admins read everything, agents their own figures and the leaderboard, viewers the team reports', async () => {
  const r = routes();
  const expectations: Array<[string, AgentWithToken, number]> = [
    [r.team, admin, 200],
    [r.team, lead, 200],
    [r.team, viewer, 200],
    [r.team, agent, 403],
    [r.volume, viewer, 200],
    [r.volume, agent, 403],
    [r.channels, viewer, 200],
    [r.categories, viewer, 200],
    [r.sla, viewer, 200],
    [r.sla, agent, 403],
    [r.churn, lead, 200],
    [r.churn, admin, 200],
    [r.churn, viewer, 403],
    [r.churn, agent, 403],
    [r.leaderboard, agent, 200],
    [r.leaderboard, lead, 200],
    [r.leaderboard, viewer, 403],
    [r.agent, agent, 200],
    [r.agentToday, agent, 200],
    [r.agent, other, 403],
    [r.agentToday, other, 403],
    [r.agent, lead, 200],
    [r.agent, admin, 200],
    [r.agent, viewer, 403],
  ];
  const problems: string[] = [];
  for (const [path, who, status] of expectations) {
    const res = await app.http.get(path).set(who.auth);
    if (res.status !== status) problems.push(`${who.agent.role} ${path} → ${res.status}, expected ${status}`);
  }
  expect(problems).toEqual([]);
  const foreign = await app.http.get(r.agent).set(other.auth).expect(403);
  expect(foreign.body.error.code).toBe('not_your_figures');
  const missing = await app.http
    .get('/api/analytics/agents/9b2f7a5e-0000-4000-8000-000000000000')
    .set(lead.auth);
  expect(missing.status).toBe(404);
});

test('when dates, ranges or options are malformed, then the answer is 400 naming the field', async () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['/api/analytics/team', { from: '2026-13-01' }, 'query.from'],
    ['/api/analytics/team', { to: '2026-02-30' }, 'query.to'],
    ['/api/analytics/team', { from: 'yesterday' }, 'query.from'],
    ['/api/analytics/team', { from: '2026-11-10', to: '2026-11-01' }, 'query.from'],
    ['/api/analytics/team', { from: '2020-01-01', to: '2026-11-01' }, 'query.to'],
    ['/api/analytics/team', { format: 'xml' }, 'query.format'],
    ['/api/analytics/leaderboard', { metric: 'happiness' }, 'query.metric'],
    ['/api/analytics/leaderboard', { minTickets: '-1' }, 'query.minTickets'],
    ['/api/analytics/leaderboard', { minTickets: 'many' }, 'query.minTickets'],
    ['/api/analytics/tickets/volume', { interval: 'year' }, 'query.interval'],
    ['/api/analytics/customers/churn', { section: 'everything' }, 'query.section'],
    ['/api/analytics/customers/churn', { limit: '0' }, 'query.limit'],
    [`/api/analytics/agents/${agent.agent.id}`, { from: '2026-11-31' }, 'query.from'],
  ];
  for (const [path, query, field] of cases) {
    const res = await app.http.get(path).query(query).set(lead.auth);
    expect({ path, query, status: res.status }).toEqual({ path, query, status: 400 });
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  }
  // Without `to`, a `from` far back makes a range longer than allowed: refused by the service.
  const long = await app.http
    .get('/api/analytics/team')
    .query({ from: addDays(today, -500) })
    .set(lead.auth);
  expect(long.status).toBe(400);
  expect(long.body.error.details[0].field).toBe('query.to');
  const bad = await app.http.get('/api/analytics/agents/not-a-uuid').set(lead.auth);
  expect(bad.status).toBe(400);
});

test('when the OpenAPI document is built, then every report route is in it with its JSON and CSV answers', async () => {
  const doc = (await app.http.get('/openapi.json').expect(200)).body;
  for (const path of [
    '/api/analytics/team',
    '/api/analytics/agents/{id}',
    '/api/analytics/agents/{id}/today',
    '/api/analytics/leaderboard',
    '/api/analytics/tickets/volume',
    '/api/analytics/tickets/channels',
    '/api/analytics/tickets/categories',
    '/api/analytics/sla/compliance',
    '/api/analytics/customers/churn',
  ]) {
    const content = doc.paths[path]?.get?.responses?.['200']?.content ?? {};
    expect({ path, types: Object.keys(content).sort() }).toEqual({
      path,
      types: ['application/json', 'text/csv'],
    });
  }
});
