import { createAgent, createCustomer, createTicket, type AgentWithToken } from '../factories';
import type { FakeQuimbi } from '../fakes/fake-quimbi';
import type { TestApp } from '../setup/test-app';
import { eventually, startWithFakeQuimbi } from './helpers';

let app: TestApp;
let fake: FakeQuimbi;
let agent: AgentWithToken;

beforeAll(async () => {
  ({ app, fake } = await startWithFakeQuimbi());
  agent = await createAgent(app.container, { role: 'agent' });
});
afterAll(async () => {
  await app.stop();
  await fake.stop();
});
beforeEach(() => fake.reset());

describe('drafts with the service healthy', () => {
  test('when a draft is asked for, then it comes from the service with the key, the messages and the customer', async () => {
    const customer = await createCustomer(app.container, {
      name: 'Maria Lopez',
      language: 'es',
      tier: 'vip',
    });
    const ticket = await createTicket(app.container, {
      customerId: customer.id,
      subject: 'Parcel has not arrived',
      body: 'My parcel was due on Monday',
    });
    await app.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(agent.auth)
      .send({ body: 'We are checking with the carrier' })
      .expect(201);
    await app.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(agent.auth)
      .send({ body: 'Internal: carrier is slow', internal: true })
      .expect(201);

    const res = await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).expect(200);

    expect(res.body).toMatchObject({ source: 'intelligence', confidence: 0.87, language: 'es' });
    expect(res.body.draft).toContain('Hola Maria');
    const calls = fake.requestsTo('draft');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(calls[0]?.body).toMatchObject({
      ticket: {
        id: ticket.id,
        subject: 'Parcel has not arrived',
        messages: [
          { role: 'customer', body: 'My parcel was due on Monday' },
          { role: 'agent', body: 'We are checking with the carrier' },
        ],
      },
      customer: { id: customer.id, email: customer.email, name: 'Maria Lopez', tier: 'vip', language: 'es' },
    });
    // Internal notes never leave the CRM.
    expect(JSON.stringify(calls[0]?.body)).not.toContain('carrier is slow');
  });

  test('when the ticket has not changed, then a second draft is served from the cache without calling the service', async () => {
    const ticket = await createTicket(app.container, {
      subject: 'Refund please',
      body: 'I returned it last week',
    });
    const first = await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).expect(200);
    const second = await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).expect(200);
    expect(second.body).toEqual(first.body);
    expect(fake.requestsTo('draft')).toHaveLength(1);
  });

  test('when a new message arrives, then the next draft calls the service again with it', async () => {
    const ticket = await createTicket(app.container, {
      subject: 'Wrong size',
      body: 'The shoes are too small',
    });
    await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).expect(200);
    await app.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(agent.auth)
      .send({ body: 'Can I get a 43 instead?', author: 'customer' })
      .expect(201);

    const res = await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).expect(200);

    expect(res.body.source).toBe('intelligence');
    const calls = fake.requestsTo('draft');
    expect(calls).toHaveLength(2);
    expect(JSON.stringify(calls[1]?.body)).toContain('Can I get a 43 instead?');
  });

  test('when the ticket does not exist, then the draft is a 404 and the service is not called', async () => {
    await app.http
      .post('/api/tickets/00000000-0000-4000-8000-000000000000/draft')
      .set(agent.auth)
      .expect(404);
    await app.http.post('/api/tickets/not-a-uuid/draft').set(agent.auth).expect(400);
    await app.http
      .post(`/api/tickets/00000000-0000-4000-8000-000000000000/draft`)
      .set(agent.auth)
      .send({ tone: 'rude' })
      .expect(400);
    expect(fake.requests).toHaveLength(0);
  });

  test('when a viewer asks for a draft, then it is refused', async () => {
    const viewer = await createAgent(app.container, { role: 'viewer' });
    const ticket = await createTicket(app.container);
    await app.http.post(`/api/tickets/${ticket.id}/draft`).set(viewer.auth).expect(403);
  });
});

describe('profiles with the service healthy', () => {
  test('when a profile is asked for, then DNA and churn come from the service, are cached, and set the customer value of their tickets', async () => {
    const customer = await createCustomer(app.container);
    const ticket = await createTicket(app.container, { customerId: customer.id });

    const res = await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);

    expect(res.body.source).toBe('intelligence');
    expect(res.body.dna).toEqual(
      expect.objectContaining({
        archetype: expect.any(String),
        currency: 'USD',
        lifetimeValue: expect.any(Number),
      }),
    );
    expect(res.body.churn).toEqual({
      probability: expect.any(Number),
      riskLevel: expect.stringMatching(/^(low|medium|high)$/),
      drivers: expect.any(Array),
    });
    expect(fake.requestsTo('dna')).toHaveLength(1);
    expect(fake.requestsTo('churn')).toHaveLength(1);
    expect(fake.requestsTo('dna')[0]?.authorization).toBe(`Bearer ${fake.apiKey}`);

    const again = await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);
    expect(again.body).toEqual(res.body);
    expect(fake.requestsTo('dna')).toHaveLength(1);

    const expected = Math.round(res.body.churn.probability * res.body.dna.lifetimeValue * 100) / 100;
    const [row] = await app.container.db.query(`SELECT customer_value FROM tickets WHERE id = $1`, [
      ticket.id,
    ]);
    expect(Number(row.customer_value)).toBeCloseTo(expected, 2);

    // A ticket opened later starts with the customer's known value, without another call.
    const later = await createTicket(app.container, { customerId: customer.id });
    const [laterRow] = await app.container.db.query(`SELECT customer_value FROM tickets WHERE id = $1`, [
      later.id,
    ]);
    expect(Number(laterRow.customer_value)).toBeCloseTo(expected, 2);
    expect(fake.requestsTo('dna')).toHaveLength(1);
  });

  test('when the customer does not exist, then the profile is a 404', async () => {
    await app.http
      .get('/api/customers/00000000-0000-4000-8000-000000000000/profile')
      .set(agent.auth)
      .expect(404);
    expect(fake.requests).toHaveLength(0);
  });

  test('when the service does not know the customer (404), then the local profile answers and the breaker stays closed', async () => {
    const customer = await createCustomer(app.container);
    fake.set({ unknownCustomers: [customer.id] });
    const res = await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);
    expect(res.body.source).toBe('fallback');
    expect(res.body.churn.riskLevel).toMatch(/^(low|medium|high)$/);
    // A 404 is the service working: not retried, not a failure.
    expect(fake.requestsTo('dna')).toHaveLength(1);
    const metrics = await app.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/quimbi_calls_total\{[^}]*endpoint="dna"[^}]*outcome="rejected"[^}]*\} 1/);
  });
});

describe('ticket reads with the service healthy', () => {
  test('when a ticket is read, then the customer profile is added as enrichment (computed on a miss within the budget, then cached)', async () => {
    const ticket = await createTicket(app.container);
    const first = await app.http.get(`/api/tickets/${ticket.id}`).set(agent.auth).expect(200);
    expect(first.body.enrichment.profile.source).toBe('intelligence');
    expect(first.body.enrichment.profile.churn.riskLevel).toMatch(/^(low|medium|high)$/);

    const second = await app.http.get(`/api/tickets/${ticket.id}`).set(agent.auth).expect(200);
    expect(second.body.enrichment).toEqual(first.body.enrichment);
    expect(fake.requestsTo('churn')).toHaveLength(1);
  });
});

describe('categories', () => {
  test('when an uncategorised ticket is created, then the job stores the service’s suggestion and sets the category', async () => {
    app.startWorker();
    const ticket = await createTicket(app.container, {
      subject: 'Refund for a damaged lamp',
      body: 'It arrived broken, I want a refund',
    });
    const row = await eventually(async () => {
      const [r] = await app.container.db.query(
        `SELECT category, suggested_category, suggested_category_confidence, category_auto FROM tickets WHERE id = $1`,
        [ticket.id],
      );
      return r.suggested_category ? r : undefined;
    });
    expect(row).toMatchObject({ category: 'returns', suggested_category: 'returns', category_auto: true });
    expect(fake.requestsTo('categorize').map((r) => r.body)).toContainEqual({
      subject: 'Refund for a damaged lamp',
      body: 'It arrived broken, I want a refund',
    });

    const read = await app.http.get(`/api/tickets/${ticket.id}`).set(agent.auth).expect(200);
    expect(read.body.category).toBe('returns');
    expect(read.body.enrichment.suggestedCategory).toEqual({ category: 'returns', confidence: 0.92 });
  });

  test('when a ticket already has a category, then the job leaves it alone and does not call the service', async () => {
    const ticket = await createTicket(app.container, { subject: 'Invoice copy', category: 'billing' });
    const outcome = await app.container.services.intelligence.categorizeTicket(ticket.id);
    expect(outcome.status).toBe('already_categorised');
    expect(
      fake.requestsTo('categorize').filter((r) => JSON.stringify(r.body).includes('Invoice copy')),
    ).toHaveLength(0);
  });
});
