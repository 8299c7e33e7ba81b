import pino from 'pino';
import { createAgent, createCustomer, createTicket, type AgentWithToken } from '../factories';
import { IntelligenceRepository } from '../../src/modules/intelligence/intelligence.repository';
import { CategoryModel } from '../../src/modules/intelligence/local/category-model';
import { LocalIntelligence } from '../../src/modules/intelligence/local/local-intelligence';
import { noRecentOrders } from '../../src/modules/intelligence/intelligence.ports';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually } from './helpers';

let app: TestApp;
let agent: AgentWithToken;

beforeAll(async () => {
  // No QUIMBI_BACKEND_URL: the CRM is its own intelligence.
  app = await startTestApp({ env: { CATEGORIZER_MIN_EXAMPLES: '3' } });
  agent = await createAgent(app.container, { role: 'lead' });
});
afterAll(() => app.stop());

async function solvedTicket(subject: string, question: string, reply: string, customerName = 'John Carter') {
  const customer = await createCustomer(app.container, { name: customerName });
  const ticket = await createTicket(app.container, { customerId: customer.id, subject, body: question });
  await app.http.post(`/api/tickets/${ticket.id}/messages`).set(agent.auth).send({ body: reply }).expect(201);
  await app.http.patch(`/api/tickets/${ticket.id}`).set(agent.auth).send({ status: 'solved' }).expect(200);
  return ticket;
}

describe('local drafts', () => {
  beforeAll(async () => {
    await solvedTicket(
      'Parcel stuck in customs',
      'My parcel has been stuck in customs for a week, what is going on?',
      'Hi John,\nCustoms holds usually clear within 5 business days; we have asked the carrier to chase it for you, John.\nBest regards,\nAlice',
    );
    await solvedTicket(
      'Cannot log in',
      'I forgot my password and cannot log in',
      'You can reset your password from the login page.',
    );
  });

  test('when a similar ticket was solved, then the draft greets the customer in their language and reuses that answer without the other customer’s name', async () => {
    const customer = await createCustomer(app.container, { name: 'María García', language: 'es' });
    const ticket = await createTicket(app.container, {
      customerId: customer.id,
      subject: 'Package held at customs',
      body: 'My package is stuck at customs, what can I do?',
    });

    const res = await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).expect(200);

    expect(res.body.source).toBe('fallback');
    expect(res.body.language).toBe('es');
    expect(res.body.confidence).toBeGreaterThan(0.3);
    const draft: string = res.body.draft;
    expect(draft.startsWith('Hola, María:')).toBe(true);
    expect(draft).toContain('Customs holds usually clear within 5 business days');
    expect(draft).toContain('chase it for you, María.');
    expect(draft).not.toMatch(/John|Best regards|Alice|password/);
    expect(draft.endsWith('Un saludo,')).toBe(true);
  });

  test('when nothing similar was solved, then the draft acknowledges the issue by restating it, in German for a German customer', async () => {
    const customer = await createCustomer(app.container, { name: 'Lukas Müller', language: 'de' });
    const ticket = await createTicket(app.container, {
      customerId: customer.id,
      subject: 'Rechnung doppelt',
      body: 'Ich habe zwei Rechnungen bekommen',
    });

    const res = await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).expect(200);

    expect(res.body).toMatchObject({ source: 'fallback', language: 'de', confidence: 0.2 });
    expect(res.body.draft).toBe(
      'Hallo Lukas,\n\nVielen Dank für Ihre Nachricht zu „Rechnung doppelt“. Ich kümmere mich darum und melde mich so schnell wie möglich bei Ihnen.\n\nViele Grüße',
    );
  });

  test('when a formal tone is asked for, then the full name is used', async () => {
    const customer = await createCustomer(app.container, { name: 'Ada Lovelace', language: 'en-GB' });
    const ticket = await createTicket(app.container, {
      customerId: customer.id,
      subject: 'Question about engines',
    });
    const res = await app.http
      .post(`/api/tickets/${ticket.id}/draft`)
      .set(agent.auth)
      .send({ tone: 'formal' })
      .expect(200);
    expect(res.body.draft.startsWith('Dear Ada Lovelace,')).toBe(true);
  });
});

describe('local profiles', () => {
  test('when a customer has several open tickets, then churn risk rises with named drivers and the ticket read carries it', async () => {
    const customer = await createCustomer(app.container);
    const tickets = [];
    for (let i = 0; i < 3; i++)
      tickets.push(await createTicket(app.container, { customerId: customer.id, subject: `Issue ${i}` }));

    const res = await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);

    expect(res.body.source).toBe('fallback');
    expect(res.body.churn.drivers).toEqual(['3 unresolved tickets', '3 tickets in 90 days']);
    expect(res.body.churn.probability).toBeCloseTo(0.4, 5);
    expect(res.body.churn.riskLevel).toBe('medium');
    expect(res.body.dna).toMatchObject({ archetype: 'unknown', lifetimeValue: 0, currency: 'USD' });
    expect(res.body.dna.segments).toEqual(expect.arrayContaining(['frequent_contact', 'open_issue']));

    const read = await app.http.get(`/api/tickets/${tickets[0]?.id}`).set(agent.auth).expect(200);
    expect(read.body.enrichment.profile).toEqual(res.body);
  });

  test('when order history is known, then recency, frequency and value drive the churn score', async () => {
    const customer = await createCustomer(app.container);
    const repo = new IntelligenceRepository(app.container.db);
    const local = new LocalIntelligence(
      repo,
      app.container.services.customers,
      new CategoryModel(repo, 3, pino({ level: 'silent' })),
      {
        orderSummaries: {
          summaryFor: async () => ({
            orderCount: 1,
            totalSpent: 80,
            currency: 'EUR',
            firstOrderAt: new Date(Date.now() - 400 * 86_400_000),
            lastOrderAt: new Date(Date.now() - 200 * 86_400_000),
          }),
        },
        recentOrders: noRecentOrders,
      },
    );

    const churn = await local.churn(customer.id);
    const dna = await local.customerDna(customer.id);

    expect(churn).toMatchObject({ probability: 0.5, riskLevel: 'medium', source: 'fallback' });
    expect(churn.drivers).toEqual(['no order for 200 days', 'only one order so far']);
    expect(dna).toMatchObject({ archetype: 'lapsed', lifetimeValue: 80, currency: 'EUR' });
  });
});

describe('local categories', () => {
  beforeAll(() => app.startWorker());
  const categoryOf = (id: string) =>
    eventually(async () => {
      const [r] = await app.container.db.query(
        `SELECT category, suggested_category, category_auto FROM tickets WHERE id = $1`,
        [id],
      );
      return r.suggested_category ? r : undefined;
    });

  test('when an uncategorised ticket arrives before any training, then keyword rules categorise it', async () => {
    const ticket = await createTicket(app.container, {
      subject: 'My parcel never arrived',
      body: 'Tracking has been stuck for days',
    });
    expect(await categoryOf(ticket.id)).toMatchObject({
      category: 'shipping',
      suggested_category: 'shipping',
      category_auto: true,
    });
  });

  test('when people have categorised enough tickets, then the retrain job learns this installation’s own categories, and only from people', async () => {
    const examples: Array<[string, string]> = [
      ['warranty', 'Is my kettle still under warranty after two years'],
      ['warranty', 'Warranty claim for a toaster that stopped heating'],
      ['warranty', 'Does the guarantee cover the blender motor'],
      ['wholesale', 'Bulk pricing for fifty units for my cafe'],
      ['wholesale', 'Can we open a wholesale account for our shop'],
      ['wholesale', 'Trade prices for resellers ordering pallets'],
    ];
    for (const [category, subject] of examples) await createTicket(app.container, { subject, category });
    // A person correcting an automatic category makes it a training example too.
    const auto = await createTicket(app.container, { subject: 'Tracking number missing' });
    await categoryOf(auto.id);
    await app.http
      .patch(`/api/tickets/${auto.id}`)
      .set(agent.auth)
      .send({ category: 'logistics' })
      .expect(200);
    const [corrected] = await app.container.db.query(`SELECT category_auto FROM tickets WHERE id = $1`, [
      auto.id,
    ]);
    expect(corrected.category_auto).toBe(false);

    await app.container.queues.add('intelligence.retrain-categorizer', {});
    const model = await eventually(async () => {
      const [m] = await app.container.db.query(`SELECT example_count, labels FROM intelligence_models`);
      return m;
    });
    // Examples are the tickets people categorised (here: six + the correction); automatic
    // categories (the keyword-categorised parcel ticket) are not.
    const [{ n }] = await app.container.db.query(
      `SELECT count(*)::int AS n FROM tickets WHERE category IS NOT NULL AND NOT category_auto`,
    );
    expect(model.example_count).toBe(n);
    // Categories with enough examples are learnt; the automatic "shipping" never is.
    expect(model.labels).toEqual(expect.arrayContaining(['warranty', 'wholesale']));
    expect(model.labels).not.toContain('shipping');

    const fresh = await createTicket(app.container, {
      subject: 'Warranty for my kettle',
      body: 'It broke after a year',
    });
    expect(await categoryOf(fresh.id)).toMatchObject({ suggested_category: 'warranty' });
  });
});

describe('erasure', () => {
  test('when a customer is erased, then their stored insights, cached profile and drafts are forgotten', async () => {
    const customer = await createCustomer(app.container, { name: 'Erin Erased' });
    const ticket = await createTicket(app.container, {
      customerId: customer.id,
      subject: 'Where is my order',
      body: 'Still waiting',
    });
    await app.http.get(`/api/customers/${customer.id}/profile`).set(agent.auth).expect(200);
    await app.http.post(`/api/tickets/${ticket.id}/draft`).set(agent.auth).send({}).expect(200);
    const keysFor = async () => {
      const prefix = app.config.redis.prefix;
      const [drafts, profile] = await Promise.all([
        app.container.redis.keys(`${prefix}:intel:draft:${ticket.id}:*`),
        app.container.redis.keys(`${prefix}:intel:*:${customer.id}`),
      ]);
      return [...drafts, ...profile];
    };
    await eventually(async () => (await keysFor()).length > 0);
    const stored = await app.container.db.query(`SELECT 1 FROM customer_insights WHERE customer_id = $1`, [
      customer.id,
    ]);
    expect(stored).toHaveLength(1);

    app.container.events.publish('customer.erased', { customerId: customer.id });
    await app.container.events.drain();

    expect(await keysFor()).toEqual([]);
    expect(
      await app.container.db.query(`SELECT 1 FROM customer_insights WHERE customer_id = $1`, [customer.id]),
    ).toEqual([]);
  });
});
