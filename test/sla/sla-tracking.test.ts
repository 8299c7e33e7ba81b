import { DateTime } from 'luxon';
import { createAgent, createCustomer, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

/**
 * Per-ticket clocks through the HTTP API. The SLA engine reads "now" from its time source, which
 * these tests move (`sla.time.now`) to walk through pauses without waiting; tickets are imported
 * with a past `createdAt` so their clocks start at a known instant.
 */
let app: TestApp;
let lead: AgentWithToken;
let agent: AgentWithToken;
let customerId: string;
const MIN = 60_000;
const realNow = () => new Date();

const setNow = (d: Date | null) => {
  app.container.services.sla.time.now = d ? () => d : () => new Date();
};

beforeAll(async () => {
  app = await startTestApp();
  lead = await createAgent(app.container, { role: 'lead' });
  agent = await createAgent(app.container, { role: 'agent' });
  customerId = (await createCustomer(app.container)).id;
  const policy = (body: object) => app.http.post('/api/sla/policies').set(lead.auth).send(body).expect(201);
  await policy({
    priority: 'urgent',
    firstResponseMinutes: 15,
    resolutionMinutes: 120,
    nextReplyMinutes: 30,
  });
  await policy({ priority: 'high', firstResponseMinutes: 60, resolutionMinutes: 480, nextReplyMinutes: 120 });
  await policy({
    priority: 'normal',
    firstResponseMinutes: 240,
    resolutionMinutes: 2400,
    businessHours: {
      timezone: 'America/New_York',
      weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '17:00']]])),
    },
  });
  // No policy for `low`: such tickets carry `sla: null` and sort after every running clock.
});
afterEach(() => setNow(null));
afterAll(async () => {
  await app.stop();
});

interface Sla {
  policyId: string | null;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  nextReplyDueAt: string | null;
  firstResponseBreached: boolean;
  resolutionBreached: boolean;
  paused: boolean;
  pausedMinutes: number;
  remainingMinutes: number | null;
  dueAt: string | null;
  firstResponseMetAt: string | null;
  resolutionMetAt: string | null;
}

const createTicket = async (body: object, who: AgentWithToken = lead) =>
  (
    await app.http
      .post('/api/tickets')
      .set(who.auth)
      .send({ subject: 'Help', customerId, ...body })
      .expect(201)
  ).body as { id: string; createdAt: string; sla: Sla | null };
const patch = async (id: string, body: object) =>
  (await app.http.patch(`/api/tickets/${id}`).set(lead.auth).send(body).expect(200)).body as {
    sla: Sla | null;
  };
const reply = async (id: string, body: object, who: AgentWithToken = lead) =>
  (
    await app.http
      .post(`/api/tickets/${id}/messages`)
      .set(who.auth)
      .send({ body: 'Hello', ...body })
      .expect(201)
  ).body as { createdAt: string };
const slaOf = async (id: string): Promise<Sla> =>
  (await app.http.get(`/api/sla/tickets/${id}`).set(agent.auth).expect(200)).body as Sla;
const ms = (iso: string | null) => (iso ? new Date(iso).getTime() : NaN);
const ny = (iso: string) => DateTime.fromISO(iso, { zone: 'America/New_York' }).toJSDate();
const inNy = (iso: string | null) =>
  iso ? DateTime.fromISO(iso, { zone: 'America/New_York' }).toFormat('ccc yyyy-MM-dd HH:mm') : null;

describe('targets at creation', () => {
  test('when a ticket is created, then every ticket response carries its SLA due times', async () => {
    const t = await createTicket({ priority: 'high', body: 'My order is late' }, agent);
    expect(t.sla).toMatchObject({ paused: false, firstResponseBreached: false, pausedMinutes: 0 });
    expect(ms(t.sla?.firstResponseDueAt ?? null) - ms(t.createdAt)).toBe(60 * MIN);
    expect(ms(t.sla?.resolutionDueAt ?? null) - ms(t.createdAt)).toBe(480 * MIN);
    expect(t.sla?.dueAt).toBe(t.sla?.firstResponseDueAt);
    const read = await app.http.get(`/api/tickets/${t.id}`).set(agent.auth).expect(200);
    expect(read.body.sla.firstResponseDueAt).toBe(t.sla?.firstResponseDueAt);
    const list = await app.http.get(`/api/tickets?customerId=${customerId}`).set(agent.auth).expect(200);
    expect(list.body.data.find((x: { id: string }) => x.id === t.id).sla.policyId).toBe(t.sla?.policyId);
  });

  test('when a priority has no policy, then the ticket has no SLA and its detail says so', async () => {
    const t = await createTicket({ priority: 'low' });
    expect(t.sla).toBeNull();
    const detail = await slaOf(t.id);
    expect(detail).toMatchObject({
      policyId: null,
      firstResponseDueAt: null,
      paused: false,
      remainingMinutes: null,
    });
  });

  test('when a ticket is imported with a past createdAt, then its clocks start then and may already be breached', async () => {
    const createdAt = new Date(realNow().getTime() - 3 * 60 * MIN).toISOString();
    const t = await createTicket({ priority: 'high', createdAt, body: 'Old email' });
    expect(t.createdAt).toBe(createdAt);
    expect(ms(t.sla?.firstResponseDueAt ?? null)).toBe(ms(createdAt) + 60 * MIN);
    expect(t.sla).toMatchObject({ firstResponseBreached: true, resolutionBreached: false });
    expect(t.sla?.remainingMinutes).toBeLessThan(-100);
  });

  test('when business hours apply, then the due time is counted in business time in the policy zone', async () => {
    // Imported on Friday 9 Jan 2026, 15:00 New York: 4 business hours → Monday 11:00.
    const t = await createTicket({ priority: 'normal', createdAt: ny('2026-01-09T15:00').toISOString() });
    expect(inNy(t.sla?.firstResponseDueAt ?? null)).toBe('Mon 2026-01-12 11:00');
  });
});

describe('replies and notes', () => {
  test('when an agent leaves an internal note, then the first response is not met; a public reply meets it', async () => {
    const t = await createTicket({ priority: 'high', body: 'Hi' });
    await reply(t.id, { internal: true, body: 'Checking the warehouse' });
    expect((await slaOf(t.id)).firstResponseMetAt).toBeNull();
    const answer = await reply(t.id, {});
    const sla = await slaOf(t.id);
    expect(sla.firstResponseMetAt).toBe(answer.createdAt);
    expect(sla.firstResponseBreached).toBe(false);
    expect(sla.dueAt).toBe(sla.resolutionDueAt);
  });

  test('when the customer writes after the first reply, then a next-reply clock runs until the next public reply', async () => {
    const t = await createTicket({ priority: 'high', body: 'Hi' });
    await reply(t.id, {});
    const customer = await reply(t.id, { author: 'customer', body: 'Still broken' });
    let sla = await slaOf(t.id);
    expect(ms(sla.nextReplyDueAt)).toBe(ms(customer.createdAt) + 120 * MIN);
    await reply(t.id, { internal: true, body: 'note' });
    expect((await slaOf(t.id)).nextReplyDueAt).toBe(sla.nextReplyDueAt);
    await reply(t.id, {});
    sla = await slaOf(t.id);
    expect(sla.nextReplyDueAt).toBeNull();
  });

  test('when a solved ticket gets a customer reply, then it reopens and resolution restarts from then', async () => {
    const t = await createTicket({ priority: 'urgent', body: 'Hi' });
    await reply(t.id, {});
    const solvedAt = new Date(realNow().getTime() + 1000);
    setNow(solvedAt);
    await patch(t.id, { status: 'solved' });
    let sla = await slaOf(t.id);
    expect(sla.resolutionMetAt).toBe(solvedAt.toISOString());
    expect(sla.dueAt).toBeNull();
    const reopenAt = new Date(solvedAt.getTime() + 5 * MIN);
    setNow(reopenAt);
    await reply(t.id, { author: 'customer', body: 'It broke again' });
    sla = await slaOf(t.id);
    expect(sla.resolutionMetAt).toBeNull();
    expect(ms(sla.resolutionDueAt)).toBe(reopenAt.getTime() + 120 * MIN);
    const ticket = await app.http.get(`/api/tickets/${t.id}`).set(lead.auth).expect(200);
    expect(ticket.body.status).toBe('open');
  });
});

describe('pause and resume', () => {
  test('when a ticket waits on the customer for an hour, then its due times move an hour later', async () => {
    const start = new Date(realNow().getTime() - 2 * 60 * MIN);
    const t = await createTicket({ priority: 'high', createdAt: start.toISOString(), body: 'Hi' });
    setNow(new Date(start.getTime() + 10 * MIN));
    const paused = await patch(t.id, { status: 'pending' });
    expect(paused.sla).toMatchObject({ paused: true, dueAt: null });
    expect(paused.sla?.remainingMinutes).toBe(50);
    setNow(new Date(start.getTime() + 70 * MIN));
    const resumed = await patch(t.id, { status: 'open' });
    expect(resumed.sla).toMatchObject({ paused: false, pausedMinutes: 60 });
    expect(ms(resumed.sla?.firstResponseDueAt ?? null)).toBe(start.getTime() + 120 * MIN);
    expect(ms(resumed.sla?.resolutionDueAt ?? null)).toBe(start.getTime() + 540 * MIN);
  });

  test('when a pause spans a weekend, then only the business hours inside it count', async () => {
    const t = await createTicket({ priority: 'normal', createdAt: ny('2026-01-09T15:00').toISOString() });
    setNow(ny('2026-01-09T16:00'));
    await patch(t.id, { status: 'pending' });
    setNow(ny('2026-01-12T10:00'));
    const resumed = await patch(t.id, { status: 'open' });
    expect(inNy(resumed.sla?.firstResponseDueAt ?? null)).toBe('Mon 2026-01-12 13:00');
    expect(resumed.sla?.pausedMinutes).toBe(120);
  });

  test('when a customer reply ends the wait, then the ticket resumes by itself', async () => {
    const start = new Date(realNow().getTime() - 30 * MIN);
    const t = await createTicket({ priority: 'high', createdAt: start.toISOString(), body: 'Hi' });
    setNow(new Date(start.getTime() + 5 * MIN));
    await patch(t.id, { status: 'pending' });
    setNow(new Date(start.getTime() + 25 * MIN));
    await reply(t.id, { author: 'customer', body: 'Here is the photo' });
    const sla = await slaOf(t.id);
    expect(sla).toMatchObject({ paused: false, pausedMinutes: 20 });
    expect(ms(sla.firstResponseDueAt)).toBe(start.getTime() + 80 * MIN);
  });
});

describe('priority changes', () => {
  test('when the priority changes, then targets are recomputed from the ticket start with the new policy', async () => {
    const start = new Date(realNow().getTime() - 5 * MIN);
    const t = await createTicket({ priority: 'high', createdAt: start.toISOString(), body: 'Hi' });
    expect(ms(t.sla?.firstResponseDueAt ?? null)).toBe(start.getTime() + 60 * MIN);
    const urgent = await patch(t.id, { priority: 'urgent' });
    expect(ms(urgent.sla?.firstResponseDueAt ?? null)).toBe(start.getTime() + 15 * MIN);
    expect(ms(urgent.sla?.resolutionDueAt ?? null)).toBe(start.getTime() + 120 * MIN);
    const low = await patch(t.id, { priority: 'low' });
    expect(low.sla).toBeNull();
    const back = await patch(t.id, { priority: 'high' });
    expect(ms(back.sla?.firstResponseDueAt ?? null)).toBe(start.getTime() + 60 * MIN);
  });

  test('when a ticket without a policy gets a priority that has one, then its clocks run from its creation', async () => {
    const start = new Date(realNow().getTime() - 20 * MIN);
    const t = await createTicket({ priority: 'low', createdAt: start.toISOString(), body: 'Hi' });
    expect(t.sla).toBeNull();
    await reply(t.id, {});
    const high = await patch(t.id, { priority: 'high' });
    expect(ms(high.sla?.resolutionDueAt ?? null)).toBe(start.getTime() + 480 * MIN);
    expect((await slaOf(t.id)).firstResponseMetAt).not.toBeNull();
  });
});

describe('the smart order', () => {
  const tag = 'smart-order';
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const ago = (m: number) => new Date(realNow().getTime() - m * MIN).toISOString();
    // breached: high, due 60 min after a start 2 h ago → overdue.
    ids.breached = (await createTicket({ tags: [tag], priority: 'high', createdAt: ago(120) })).id;
    // urgent, fresh: due in 15 min.
    ids.urgent = (await createTicket({ tags: [tag], priority: 'urgent' })).id;
    // high, 10 min old: due in 50 min.
    ids.high = (await createTicket({ tags: [tag], priority: 'high', createdAt: ago(10) })).id;
    // pending (paused): no running clock.
    ids.paused = (await createTicket({ tags: [tag], priority: 'urgent', createdAt: ago(1) })).id;
    await patch(ids.paused, { status: 'pending' });
    // no policy: no running clock, lower priority than the paused urgent one.
    ids.none = (await createTicket({ tags: [tag], priority: 'low', createdAt: ago(500) })).id;
  });

  test('when tickets are listed smart, then overdue comes first, then by due time, then those without a running clock by priority', async () => {
    const res = await app.http.get(`/api/tickets?tag=${tag}&sort=smart`).set(agent.auth).expect(200);
    expect(res.body.data.map((t: { id: string }) => t.id)).toEqual([
      ids.breached,
      ids.urgent,
      ids.high,
      ids.paused,
      ids.none,
    ]);
  });

  test('when the smart list is paged, then the pages join up in the same order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/tickets?tag=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await app.http.get(url).set(agent.auth).expect(200);
      seen.push(...res.body.data.map((t: { id: string }) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ids.breached, ids.urgent, ids.high, ids.paused, ids.none]);
  });

  test('when a cursor is forged or from another order, then it is a 400', async () => {
    const forged = Buffer.from(
      JSON.stringify(['smart', 'not-a-date', 1, '2026-01-01T00:00:00.000Z', 'x']),
    ).toString('base64url');
    const res = await app.http.get(`/api/tickets?sort=smart&cursor=${forged}`).set(agent.auth).expect(400);
    expect(res.body.error.code).toBe('invalid_cursor');
    const created = await app.http
      .get(`/api/tickets?tag=${tag}&sort=created&limit=1`)
      .set(agent.auth)
      .expect(200);
    await app.http
      .get(`/api/tickets?sort=smart&cursor=${encodeURIComponent(created.body.nextCursor)}`)
      .set(agent.auth)
      .expect(400);
  });

  test('when open tickets are listed smart, then the query walks an index in order (no sort, cursor as an index bound)', async () => {
    const first = await app.http.get('/api/tickets?status=open&limit=1').set(agent.auth).expect(200);
    const spy = jest.spyOn(app.container.db, 'query');
    const cursor =
      first.body.nextCursor ??
      Buffer.from(JSON.stringify(['smart', 'infinity', -2, '2026-01-01T00:00:00.000Z', ids.high])).toString(
        'base64url',
      );
    await app.http
      .get(`/api/tickets?status=open&sort=smart&cursor=${encodeURIComponent(cursor)}`)
      .set(agent.auth)
      .expect(200);
    const call = spy.mock.calls.find(([text]) => /FROM tickets t WHERE/.test(String(text)));
    spy.mockRestore();
    expect(call).toBeDefined();
    const [text, params] = call as [string, unknown[]];
    const plan = await app.container.db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      await tx.query('SET LOCAL enable_sort = off');
      const rows: Array<{ 'QUERY PLAN': string }> = await tx.query(`EXPLAIN ${text}`, params);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    // Either smart-order index serves it (with or without the status prefix: the planner picks by
    // size); what matters is no sort and the cursor as the index bound.
    expect(plan).toMatch(/Index Scan using tickets_(sla_smart|smart_all)_idx/);
    expect(plan).not.toMatch(/Sort/);
    expect(plan).toMatch(/Index Cond: .*ROW\(COALESCE\(sla_due_at/s);
  });
});
