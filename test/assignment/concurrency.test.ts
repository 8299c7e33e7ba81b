import { createAgent, createCustomer, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { everyoneOffline, onlineAgent, ticketsAssignedTo, workloadOf } from './helpers';

let a: TestApp;
let b: TestApp;
let lead: AgentWithToken;

beforeAll(async () => {
  a = await startTestApp({ env: { AUTO_ASSIGN: 'off' } });
  b = await startTestApp({ env: { AUTO_ASSIGN: 'off' }, share: a });
  lead = await createAgent(a.container, { role: 'lead', maxConcurrentTickets: 0 });
});
afterAll(async () => {
  await b.stop();
  await a.stop();
});
beforeEach(async () => {
  await everyoneOffline(a.container);
});

/** Alternates requests between the two API instances. */
const via = (i: number) => (i % 2 === 0 ? a : b).http;

/** Gives an agent `n` new tickets by self-assignment; answers them. */
const holdTickets = (member: AgentWithToken, n: number) =>
  ticketsAssignedTo(a, member.agent.id, member.auth, n);

test('when 40 auto-assign requests race over two API instances, then no agent ever exceeds capacity', async () => {
  const agents = await Promise.all(
    Array.from({ length: 5 }, () => onlineAgent(a.container, { maxConcurrentTickets: 2 })),
  );
  const tickets = [];
  for (let i = 0; i < 40; i += 1) tickets.push(await createTicket(a.container));

  const results = await Promise.all(
    tickets.map((t, i) => via(i).post(`/api/tickets/${t.id}/auto-assign`).set(lead.auth)),
  );

  const statuses = results.map((r) => r.status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(10);
  expect(statuses.filter((s) => s === 409)).toHaveLength(30);
  expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(
    Array(30).fill('no_eligible_agent'),
  );
  const perAgent = new Map<string, number>();
  for (const r of results.filter((x) => x.status === 200))
    perAgent.set(r.body.agentId, (perAgent.get(r.body.agentId) ?? 0) + 1);
  for (const { agent } of agents) {
    expect(perAgent.get(agent.id)).toBe(2);
    expect(await workloadOf(a.container, agent.id)).toEqual({ kept: 2, counted: 2 });
  }
  const unassigned = await b.http.get('/api/tickets/unassigned?limit=100').set(lead.auth).expect(200);
  expect(unassigned.body.data).toHaveLength(30);
});

test('when one agent races to take many tickets from two instances, then they get exactly their capacity', async () => {
  const agent = await createAgent(a.container, { maxConcurrentTickets: 2 });
  const tickets = [];
  for (let i = 0; i < 12; i += 1) tickets.push(await createTicket(a.container));

  const results = await Promise.all(
    tickets.map((t, i) =>
      via(i).post(`/api/tickets/${t.id}/assign`).set(agent.auth).send({ agentId: agent.agent.id }),
    ),
  );

  expect(results.filter((r) => r.status === 200)).toHaveLength(2);
  expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'over_capacity')).toBe(
    true,
  );
  expect(await workloadOf(a.container, agent.agent.id)).toEqual({ kept: 2, counted: 2 });
});

test('when routing races with self-assignment and solving, then counts stay exact and capacity holds', async () => {
  const team = await Promise.all(
    Array.from({ length: 3 }, () => onlineAgent(a.container, { maxConcurrentTickets: 2 })),
  );
  // Everyone starts full; solving these frees the slots during the race.
  const held = [];
  for (const member of team) for (const ticket of await holdTickets(member, 2)) held.push({ ticket, member });
  const tickets = [];
  for (let i = 0; i < 24; i += 1) tickets.push(await createTicket(a.container));

  const [assignResults] = await Promise.all([
    Promise.all(
      tickets.map((t, i) => {
        const self = team[i % team.length];
        if (i % 3 === 0 && self)
          return via(i).post(`/api/tickets/${t.id}/assign`).set(self.auth).send({ agentId: self.agent.id });
        return via(i).post(`/api/tickets/${t.id}/auto-assign`).set(lead.auth);
      }),
    ),
    Promise.all(
      held.map(({ ticket, member }, i) =>
        via(i + 1)
          .patch(`/api/tickets/${ticket.id}`)
          .set(member.auth)
          .send({ status: 'solved' })
          .expect(200),
      ),
    ),
  ]);

  expect(assignResults.every((r) => r.status === 200 || r.status === 409)).toBe(true);
  let total = 0;
  for (const { agent } of team) {
    const w = await workloadOf(a.container, agent.id);
    expect(w.kept).toBe(w.counted);
    expect(w.counted).toBeLessThanOrEqual(2);
    total += w.counted;
  }
  expect(assignResults.filter((r) => r.status === 200)).toHaveLength(total);
});

test('when the same ticket is auto-assigned by many callers at once, then exactly one wins', async () => {
  await Promise.all(Array.from({ length: 3 }, () => onlineAgent(a.container, { maxConcurrentTickets: 5 })));
  const ticket = await createTicket(a.container);

  const results = await Promise.all(
    Array.from({ length: 10 }, (_x, i) =>
      via(i).post(`/api/tickets/${ticket.id}/auto-assign`).set(lead.auth),
    ),
  );

  expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(
    Array(9).fill('already_assigned'),
  );
  const history = await a.http.get(`/api/tickets/${ticket.id}/assignments`).set(lead.auth).expect(200);
  expect(history.body.data).toHaveLength(1);
});

test('when auto-assign hammers two instances while agents are nearly full, then nobody exceeds capacity and each ticket is assigned once', async () => {
  const languages = ['en', 'fr', 'de'];
  const team = await Promise.all(
    Array.from({ length: 12 }, (_x, i) =>
      onlineAgent(a.container, {
        maxConcurrentTickets: 3,
        languages: [languages[i % 3] ?? 'en'],
        seniority: i % 4 === 0 ? 'senior' : 'junior',
      }),
    ),
  );
  // Two of three slots taken: 12 free slots in all.
  for (const member of team) await holdTickets(member, 2);
  const tickets = [];
  for (let i = 0; i < 30; i += 1)
    tickets.push(
      await createTicket(a.container, {
        customerId: (await createCustomer(a.container, { language: languages[i % 3] ?? 'en' })).id,
      }),
    );

  // Every ticket is asked for twice, once through each instance, all at once.
  const calls = tickets.flatMap((t) => [t, t]);
  const results = await Promise.all(
    calls.map((t, i) => via(i).post(`/api/tickets/${t.id}/auto-assign`).set(lead.auth)),
  );

  const ok = results.filter((r) => r.status === 200);
  expect(ok).toHaveLength(12);
  const refused = results.filter((r) => r.status !== 200);
  expect(refused.every((r) => r.status === 409)).toBe(true);
  expect(
    refused.every((r) => ['no_eligible_agent', 'already_assigned'].includes(r.body.error.code as string)),
  ).toBe(true);
  const wins = new Map<string, number>();
  calls.forEach((t, i) => {
    if (results[i]?.status === 200) wins.set(t.id, (wins.get(t.id) ?? 0) + 1);
  });
  expect([...wins.values()].every((n) => n === 1)).toBe(true);
  const rows: Array<{ ticket_id: string; n: number }> = await a.container.db.query(
    `SELECT ticket_id, count(*)::int AS n FROM ticket_assignments WHERE ticket_id = ANY($1::uuid[]) GROUP BY 1`,
    [tickets.map((t) => t.id)],
  );
  expect(rows).toHaveLength(12);
  expect(rows.every((r) => r.n === 1)).toBe(true);
  for (const { agent } of team)
    expect(await workloadOf(a.container, agent.id)).toEqual({ kept: 3, counted: 3 });
});
