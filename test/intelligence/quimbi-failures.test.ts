import { createAgent, createCustomer, createTicket, type AgentWithToken } from '../factories';
import { FakeQuimbi } from '../fakes/fake-quimbi';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually, metricValue, sleep, startWithFakeQuimbi } from './helpers';

const newTicket = (app: TestApp, subject = 'Where is my parcel?') =>
  createTicket(app.container, { subject, body: `${subject} It was due last week.` });

const draft = (app: TestApp, agent: AgentWithToken, ticketId: string) =>
  app.http.post(`/api/tickets/${ticketId}/draft`).set(agent.auth).expect(200);

const draftFor = async (app: TestApp, agent: AgentWithToken, subject?: string) =>
  draft(app, agent, (await newTicket(app, subject)).id);

const breakerState = async (app: TestApp, breaker: string) =>
  metricValue((await app.http.get('/metrics').expect(200)).text, 'quimbi_breaker_state', { breaker });

describe('when the service fails with 5xx', () => {
  let app: TestApp;
  let fake: FakeQuimbi;
  let agent: AgentWithToken;
  // Long enough that the drafts made while the breaker is open never reach its end, even on a busy machine.
  const resetMs = 2500;

  beforeAll(async () => {
    ({ app, fake } = await startWithFakeQuimbi({
      QUIMBI_BREAKER_VOLUME: '4',
      QUIMBI_BREAKER_ERROR_PERCENT: '50',
      QUIMBI_BREAKER_RESET_MS: String(resetMs),
    }));
    agent = await createAgent(app.container);
  });
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });

  test('then drafts still answer 200 from the fallback, the breaker opens after a handful, calls stop reaching the service, and one trial call after the reset closes it', async () => {
    expect(await breakerState(app, 'draft')).toBe(0);
    const tickets = await Promise.all(Array.from({ length: 8 }, () => newTicket(app)));
    fake.set({ errorRate: 1, errorStatus: 503 });

    for (const ticket of tickets) {
      const res = await draft(app, agent, ticket.id);
      expect(res.body.source).toBe('fallback');
      expect(res.body.draft).toMatch(/^Hi Test,/);
    }
    // Four failures reach the service (the breaker's volume), then it opens and nothing more does.
    expect(fake.requestsTo('draft')).toHaveLength(4);
    expect(fake.requestsTo('draft').every((r) => r.status === 503)).toBe(true);
    const metrics = (await app.http.get('/metrics').expect(200)).text;
    expect(metricValue(metrics, 'quimbi_breaker_state', { breaker: 'draft' })).toBe(2);
    expect(metricValue(metrics, 'quimbi_breaker_opened_total', { breaker: 'draft' })).toBe(1);
    expect(metricValue(metrics, 'quimbi_calls_total', { endpoint: 'draft', outcome: 'server_error' })).toBe(
      4,
    );
    expect(metricValue(metrics, 'quimbi_calls_total', { endpoint: 'draft', outcome: 'breaker_open' })).toBe(
      4,
    );
    // Other endpoint families have their own breakers.
    expect(metricValue(metrics, 'quimbi_breaker_state', { breaker: 'churn' })).toBe(0);

    // The service recovers; after the reset timeout exactly one trial call goes through.
    // (The trial answers slowly, so the other two arrive while it is still in flight.)
    const trials = await Promise.all([1, 2, 3].map(() => newTicket(app, 'Trial')));
    fake.set({ errorRate: 0, latencyMs: 600 });
    await sleep(resetMs + 100);
    expect(await breakerState(app, 'draft')).toBe(1);
    const answers = await Promise.all(trials.map((t) => draft(app, agent, t.id)));
    expect(fake.requestsTo('draft')).toHaveLength(5);
    expect(answers.map((a) => a.body.source).sort()).toEqual(['fallback', 'fallback', 'intelligence']);

    // Its success closed the breaker: calls reach the service again.
    expect(await breakerState(app, 'draft')).toBe(0);
    expect(
      metricValue((await app.http.get('/metrics')).text, 'quimbi_breaker_closed_total', { breaker: 'draft' }),
    ).toBe(1);
    fake.set({ latencyMs: 0 });
    const after = await draftFor(app, agent);
    expect(after.body.source).toBe('intelligence');
    expect(fake.requestsTo('draft')).toHaveLength(6);
  });

  test('then a read (GET) that fails once is retried with backoff and answers from the service, while a draft (POST) is never retried', async () => {
    fake.reset();
    const customer = await createCustomer(app.container);
    fake.set({ failNext: 1 });
    const profile = await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);
    expect(profile.body.source).toBe('intelligence');
    // One of DNA / churn failed once and was retried: three requests for two answers.
    expect(fake.requestsTo('dna').length + fake.requestsTo('churn').length).toBe(3);
    const metrics = (await app.http.get('/metrics')).text;
    const retries =
      (metricValue(metrics, 'quimbi_retries_total', { endpoint: 'dna' }) ?? 0) +
      (metricValue(metrics, 'quimbi_retries_total', { endpoint: 'churn' }) ?? 0);
    expect(retries).toBe(1);

    fake.set({ failNext: 1 });
    const draft = await draftFor(app, agent, 'Broken zipper');
    expect(draft.body.source).toBe('fallback');
    expect(fake.requestsTo('draft')).toHaveLength(1);
  });
});

describe('when reads keep failing slowly', () => {
  let app: TestApp;
  let fake: FakeQuimbi;
  let agent: AgentWithToken;
  const budgetMs = 1000;

  beforeAll(async () => {
    ({ app, fake } = await startWithFakeQuimbi({ QUIMBI_TIMEOUT_MS: String(budgetMs), QUIMBI_RETRIES: '5' }));
    agent = await createAgent(app.container);
  });
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });

  test('then retries stop once another would not fit in the call budget, and the answer comes from the fallback', async () => {
    const customer = await createCustomer(app.container);
    fake.set({ errorRate: 1, latencyMs: 350 });
    const started = Date.now();
    const res = await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);

    expect(res.body.source).toBe('fallback');
    expect(Date.now() - started).toBeLessThan(budgetMs + 1000);
    const dna = fake.requestsTo('dna');
    // Retried (more than one attempt), but far fewer than the five allowed: each attempt takes
    // 350 ms and none starts after the budget is spent.
    expect(dna.length).toBeGreaterThan(1);
    expect(dna.length).toBeLessThan(4);
    const first = dna[0]?.receivedAt ?? 0;
    expect(dna.every((r) => r.receivedAt - first < budgetMs)).toBe(true);
  });
});

describe('when the service hangs', () => {
  let app: TestApp;
  let fake: FakeQuimbi;
  let agent: AgentWithToken;
  const timeoutMs = 800;

  beforeAll(async () => {
    ({ app, fake } = await startWithFakeQuimbi({
      QUIMBI_TIMEOUT_MS: String(timeoutMs),
      ENRICHMENT_BUDGET_MS: '300',
    }));
    agent = await createAgent(app.container);
  });
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });
  beforeEach(() => fake.reset());

  test('then a draft answers from the fallback within the timeout plus a margin, and the request is really aborted', async () => {
    fake.set({ hang: true });
    const ticket = await createTicket(app.container, { subject: 'Hello?', body: 'Anyone there?' });
    const started = Date.now();
    const res = await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).expect(200);
    const elapsed = Date.now() - started;

    expect(res.body.source).toBe('fallback');
    expect(elapsed).toBeLessThan(timeoutMs + 1000);
    expect(fake.requestsTo('draft')).toHaveLength(1);
    // The client closed the connection when the breaker timed the call out.
    await eventually(async () => fake.requestsTo('draft')[0]?.aborted, 2000);
    const metrics = (await app.http.get('/metrics')).text;
    expect(metricValue(metrics, 'quimbi_calls_total', { endpoint: 'draft', outcome: 'timeout' })).toBe(1);
  });

  test('then a ticket read is not slowed beyond the enrichment budget, and the cache is filled in the background', async () => {
    fake.set({ latencyMs: 10_000 });
    const ticket = await createTicket(app.container);
    const started = Date.now();
    const res = await app.http.get(`/api/tickets/${ticket.id}`).set(agent.auth).expect(200);
    const elapsed = Date.now() - started;

    expect(elapsed).toBeLessThan(2000);
    expect(res.body.id).toBe(ticket.id);
    expect(res.body.enrichment?.profile).toBeUndefined();

    // Once the calls time out, the fallback profile is cached and later reads carry it at once.
    const later = await eventually(async () => {
      const r = await app.http.get(`/api/tickets/${ticket.id}`).set(agent.auth).expect(200);
      return r.body.enrichment?.profile ? r : undefined;
    }, 5000);
    expect(later.body.enrichment.profile.source).toBe('fallback');
    expect(later.body.enrichment.profile.churn.riskLevel).toMatch(/^(low|medium|high)$/);
  });
});

describe('when the service rate limits (429 with Retry-After)', () => {
  let app: TestApp;
  let fake: FakeQuimbi;
  let agent: AgentWithToken;

  beforeAll(async () => {
    ({ app, fake } = await startWithFakeQuimbi());
    agent = await createAgent(app.container);
  });
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });

  test('then no call reaches the service until Retry-After has passed, and calls resume after it', async () => {
    const tickets = await Promise.all(Array.from({ length: 5 }, () => newTicket(app)));
    const customer = await createCustomer(app.container);
    fake.set({ rateLimit: { retryAfterSeconds: 2, calls: 1 } });
    const first = await draft(app, agent, tickets[0]?.id ?? '');
    expect(first.body.source).toBe('fallback');
    expect(fake.requests.map((r) => r.status)).toEqual([429]);

    // Within the window every call answers locally: drafts, and the other endpoints too.
    const profile = await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);
    expect(profile.body.source).toBe('fallback');
    for (const t of tickets.slice(1, 4)) expect((await draft(app, agent, t.id)).body.source).toBe('fallback');
    expect(fake.requests).toHaveLength(1);
    const metrics = (await app.http.get('/metrics')).text;
    expect(metricValue(metrics, 'quimbi_calls_total', { endpoint: 'draft', outcome: 'rate_limited' })).toBe(
      1,
    );
    expect(
      metricValue(metrics, 'quimbi_calls_total', { endpoint: 'draft', outcome: 'rate_limit_wait' }),
    ).toBe(3);
    expect(metricValue(metrics, 'quimbi_calls_total', { endpoint: 'dna', outcome: 'rate_limit_wait' })).toBe(
      1,
    );

    const limitedAt = fake.requests[0]?.receivedAt ?? Date.now();
    await sleep(Math.max(0, limitedAt + 2300 - Date.now()));
    const resumed = await draft(app, agent, tickets[4]?.id ?? '');
    expect(resumed.body.source).toBe('intelligence');
    expect(fake.requestsTo('draft').map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('when the service is unreachable', () => {
  let app: TestApp;
  let agent: AgentWithToken;

  beforeAll(async () => {
    const gone = await FakeQuimbi.start();
    const url = gone.url;
    await gone.stop();
    app = await startTestApp({
      env: { QUIMBI_BACKEND_URL: url, QUIMBI_API_KEY: 'k', QUIMBI_RETRY_BASE_MS: '10' },
    });
    agent = await createAgent(app.container);
  });
  afterAll(() => app.stop());

  test('then drafts and profiles answer from the fallback', async () => {
    const draft = await draftFor(app, agent);
    expect(draft.body).toMatchObject({ source: 'fallback', language: 'en' });
    const customer = await createCustomer(app.container);
    const profile = await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);
    expect(profile.body.source).toBe('fallback');
    const metrics = (await app.http.get('/metrics')).text;
    expect(metricValue(metrics, 'quimbi_calls_total', { endpoint: 'draft', outcome: 'network' })).toBe(1);
  });
});

describe('when the API key is wrong', () => {
  let app: TestApp;
  let fake: FakeQuimbi;
  let agent: AgentWithToken;

  beforeAll(async () => {
    ({ app, fake } = await startWithFakeQuimbi({ QUIMBI_API_KEY: 'wrong-key', QUIMBI_BREAKER_VOLUME: '2' }));
    agent = await createAgent(app.container);
  });
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });

  test('then drafts answer from the fallback, and the 401s neither retry nor open the breaker', async () => {
    for (let i = 0; i < 5; i++) expect((await draftFor(app, agent)).body.source).toBe('fallback');
    expect(fake.requestsTo('draft').map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(await breakerState(app, 'draft')).toBe(0);
  });
});
