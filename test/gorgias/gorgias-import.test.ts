import { createAgent, createCustomer } from '../factories';
import { FakeGorgias, type FakeTicket } from '../fakes/fake-gorgias';
import type { TestApp } from '../setup/test-app';
import { eventually, gorgiasQueueIdle, links, startGorgiasApp, waitForJob } from './helpers';

interface MessageBody {
  author: string;
  internal: boolean;
  body: string;
  createdAt: string;
}

async function crmTicketFor(app: TestApp, gorgiasId: number): Promise<string> {
  const row = (await links(app, 'ticket')).find((l) => l.external_id === String(gorgiasId));
  if (!row) throw new Error(`Gorgias ticket ${gorgiasId} was not imported`);
  return row.entity_id;
}

describe('Gorgias import', () => {
  let fake: FakeGorgias;
  let app: TestApp;
  let lead: { Authorization: string };
  let t1: FakeTicket;
  let t2: FakeTicket;
  let t3: FakeTicket;
  let others: FakeTicket[];
  let aliceId: string;

  beforeAll(async () => {
    fake = await new FakeGorgias().start();
    app = await startGorgiasApp(fake, { GORGIAS_IMPORT_PAGE_SIZE: '3' });
    app.startWorker();
    lead = (await createAgent(app.container, { role: 'lead' })).auth;
    aliceId = (await createCustomer(app.container, { email: 'alice@shop.example', name: 'Alice' })).id;
    const day = (n: number) => new Date(Date.UTC(2026, 5, n, 9, 30, 15, 250));
    t1 = fake.seedTicket({
      subject: 'Where is my parcel?',
      customer: { email: 'Alice@Shop.example', name: 'Alice S.' },
      created: day(1),
      tags: ['Shipping', 'VIP, priority'],
      messages: [
        { body: 'Where is my order?' },
        { fromAgent: true, body: 'It ships today.' },
        { internal: true, body: 'Checked the warehouse.' },
      ],
    });
    t2 = fake.seedTicket({
      subject: 'Refund',
      status: 'closed',
      customer: { email: 'bob@shop.example', name: 'Bob' },
      created: day(2),
      closed: day(3),
      messages: [{ body: 'I want a refund' }, { fromAgent: true, body: 'Refunded.' }],
    });
    t3 = fake.seedTicket({ subject: 'Size question', created: day(4), messages: [{ body: 'Is M large?' }] });
    others = [5, 6, 7, 8].map((n) =>
      fake.seedTicket({ created: day(n), messages: [{ html: '<p>Only <b>HTML</b> here</p>' }] }),
    );
  });
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });

  test('when an agent asks for an import, then 403 (admins and leads only)', async () => {
    const agent = await createAgent(app.container, { role: 'agent' });
    await app.http.post('/api/gorgias/sync/tickets').set(agent.auth).expect(403);
  });

  test('when Gorgias has more tickets than a page, then every ticket is imported with its messages, customer, date and status', async () => {
    const started = await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
    expect(started.body.jobId).toMatch(/^gorgias:import-/);
    const job = await waitForJob(app, lead, started.body.jobId);
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ done: 7, created: 7, updated: 0, messages: 10 });
    expect(job.progress.done).toBe(7);

    // Paged by cursor, 3 per page: three list calls, the first without a cursor.
    const lists = fake.requests.filter((r) => r.method === 'GET' && r.path === '/api/tickets');
    expect(lists).toHaveLength(3);
    expect(lists.map((r) => r.query.limit)).toEqual(['3', '3', '3']);
    expect(lists[0]?.query.cursor).toBeUndefined();
    expect(lists[1]?.query.cursor).toBeTruthy();

    const id1 = await crmTicketFor(app, t1.id);
    const ticket1 = (await app.http.get(`/api/tickets/${id1}`).set(lead).expect(200)).body;
    expect(ticket1).toMatchObject({
      subject: 'Where is my parcel?',
      status: 'open',
      channel: 'gorgias',
      createdAt: '2026-06-01T09:30:15.250Z',
      customerId: aliceId, // matched by email, case-insensitively
      tags: ['shipping', 'vip  priority'],
    });
    expect(ticket1.metadata).toMatchObject({ source: 'gorgias', gorgiasTicketId: String(t1.id) });
    const messages1 = (await app.http.get(`/api/tickets/${id1}/messages`).set(lead).expect(200)).body
      .data as MessageBody[];
    expect(messages1.map((m) => [m.author, m.internal, m.body])).toEqual([
      ['customer', false, 'Where is my order?'],
      ['agent', false, 'It ships today.'],
      ['agent', true, 'Checked the warehouse.'],
    ]);
    expect(messages1[0]?.createdAt).toBe('2026-06-01T09:31:15.250Z');
    expect(ticket1.firstRespondedAt).toBe('2026-06-01T09:32:15.250Z');

    const ticket2 = (await app.http.get(`/api/tickets/${await crmTicketFor(app, t2.id)}`).set(lead)).body;
    expect(ticket2.status).toBe('closed');
    expect(ticket2.resolvedAt).toBe('2026-06-03T09:30:15.250Z');
    const ticket3 = (await app.http.get(`/api/tickets/${await crmTicketFor(app, t3.id)}`).set(lead)).body;
    expect(ticket3.status).toBe('open');
    const html = (
      await app.http.get(`/api/tickets/${await crmTicketFor(app, others[0]?.id ?? 0)}/messages`).set(lead)
    ).body.data as MessageBody[];
    expect(html[0]?.body).toBe('Only HTML here');

    // Every ticket, message and customer carries its Gorgias id.
    expect(await links(app, 'ticket')).toHaveLength(7);
    expect(await links(app, 'message')).toHaveLength(10);
    expect((await links(app, 'customer')).length).toBeGreaterThanOrEqual(2);
    const customers = await app.container.db.query(
      `SELECT count(*)::int AS n FROM customers WHERE email = $1`,
      ['alice@shop.example'],
    );
    expect(customers[0].n).toBe(1);

    // What came from Gorgias is never pushed back.
    await gorgiasQueueIdle(app);
    expect(fake.count('POST', /^\/api\/tickets/)).toBe(0);
    expect(fake.count('PUT', /^\/api\/tickets/)).toBe(0);
  });

  test('when the import runs again, then changed tickets are updated and nothing is duplicated', async () => {
    fake.addMessage(t3.id, { body: 'Any news about the size?' });
    fake.setStatus(t1.id, 'closed');
    const messagesFetchedBefore = fake.count('GET', new RegExp(`^/api/tickets/${others[1]?.id}/messages`));

    const started = await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
    const job = await waitForJob(app, lead, started.body.jobId);
    expect(job.result).toMatchObject({ done: 7, created: 0, updated: 2, unchanged: 5, messages: 1 });

    expect(await links(app, 'ticket')).toHaveLength(7);
    expect(await links(app, 'message')).toHaveLength(11);
    const count = await app.container.db.query(
      `SELECT count(*)::int AS n FROM tickets WHERE channel = 'gorgias'`,
    );
    expect(count[0].n).toBe(7);
    const ticket1 = (await app.http.get(`/api/tickets/${await crmTicketFor(app, t1.id)}`).set(lead)).body;
    expect(ticket1.status).toBe('closed');
    const messages3 = (
      await app.http.get(`/api/tickets/${await crmTicketFor(app, t3.id)}/messages`).set(lead)
    ).body.data as MessageBody[];
    expect(messages3.map((m) => m.body)).toEqual(['Is M large?', 'Any news about the size?']);
    // Unchanged tickets are not fetched again.
    expect(fake.count('GET', new RegExp(`^/api/tickets/${others[1]?.id}/messages`))).toBe(
      messagesFetchedBefore,
    );
    await gorgiasQueueIdle(app);
    expect(fake.count('PUT', /^\/api\/tickets/)).toBe(0);
  });
});

describe('Gorgias import under rate limits', () => {
  test('when our limit matches the account limit, then the import stays under it and never draws a 429', async () => {
    const fake = await new FakeGorgias({ limit: 5, windowMs: 1000 }).start();
    const app = await startGorgiasApp(fake, {
      GORGIAS_RATE_LIMIT: '5',
      GORGIAS_RATE_WINDOW_MS: '1000',
      GORGIAS_RATE_MARGIN_MS: '600',
      GORGIAS_IMPORT_PAGE_SIZE: '2',
    });
    try {
      app.startWorker();
      const lead = (await createAgent(app.container, { role: 'admin' })).auth;
      for (let i = 0; i < 6; i += 1) fake.seedTicket();
      const first = await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
      // A second request while it runs joins the same job.
      const second = await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
      expect(second.body).toEqual({ jobId: first.body.jobId, resumed: false, joined: true });
      const job = await waitForJob(app, lead, first.body.jobId);
      expect(job.result).toMatchObject({ created: 6 });
      expect(fake.requests.length).toBeGreaterThanOrEqual(9);
      expect(fake.tooManyRequests).toBe(0);
      expect(fake.maxInAnyWindow()).toBeLessThanOrEqual(5);
    } finally {
      await app.stop();
      await fake.stop();
    }
  });

  test('when Gorgias answers 429 (another app shares the account), then every request waits out Retry-after', async () => {
    const fake = await new FakeGorgias({ limit: 3, windowMs: 1000 }).start();
    const app = await startGorgiasApp(fake, { GORGIAS_RATE_LIMIT: '20', GORGIAS_RATE_WINDOW_MS: '1000' });
    try {
      app.startWorker();
      const lead = (await createAgent(app.container, { role: 'lead' })).auth;
      for (let i = 0; i < 5; i += 1) fake.seedTicket();
      fake.consume(3); // the other app has just used this window up
      const started = await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
      const job = await waitForJob(app, lead, started.body.jobId);
      expect(job.result).toMatchObject({ created: 5 });
      expect(fake.tooManyRequests).toBeGreaterThanOrEqual(1);
      // Honoured: nothing arrived while a Retry-after was running, so at most one 429 per pause.
      expect(fake.retryAfterViolations).toBe(0);
      expect(fake.tooManyRequests).toBeLessThanOrEqual(3);
      expect(fake.maxInAnyWindow()).toBeLessThanOrEqual(3);
    } finally {
      await app.stop();
      await fake.stop();
    }
  });
});

describe('Gorgias import resume', () => {
  test('when an import fails half-way and the process restarts, then it resumes from the saved cursor', async () => {
    const fake = await new FakeGorgias().start();
    const first = await startGorgiasApp(fake, { GORGIAS_IMPORT_PAGE_SIZE: '2' });
    let second: TestApp | undefined;
    try {
      const lead = (await createAgent(first.container, { role: 'lead' })).auth;
      const seeded = Array.from({ length: 6 }, () => fake.seedTicket());
      let lists = 0;
      // The third page keeps failing for this attempt (the client's own retries included).
      fake.failNext((r) => r.method === 'GET' && r.path === '/api/tickets' && ++lists >= 3, 3, 503);
      first.startWorker();
      const started = await first.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
      await eventually(
        async () => fake.requests.filter((r) => r.status === 503).length === 3,
        'the third page to fail',
      );
      const runId = String(started.body.jobId).replace('gorgias:import-', '');
      await eventually(async () => {
        const rows = await first.container.db.query(
          `SELECT cursor, done FROM gorgias_import_runs WHERE id = $1`,
          [runId],
        );
        return rows[0]?.done === 4 && rows[0]?.cursor;
      }, 'the cursor of page 3 to be saved');
      await first.stop(); // the "crash": the job waits for its retry, no worker is left

      second = await startGorgiasApp(fake, { GORGIAS_IMPORT_PAGE_SIZE: '2' }, first);
      second.startWorker();
      const job = await waitForJob(second, lead, started.body.jobId);
      expect(job.state).toBe('completed');
      expect(job.result).toMatchObject({ done: 6, created: 6 });
      // Pages 1 and 2 were not fetched again, and no ticket was imported twice.
      expect(fake.requests.filter((r) => r.path === '/api/tickets' && !r.query.cursor)).toHaveLength(1);
      for (const t of seeded) {
        expect(fake.count('GET', new RegExp(`^/api/tickets/${t.id}/messages$`))).toBe(1);
      }
      expect(await links(second, 'ticket')).toHaveLength(6);
    } finally {
      await second?.stop();
      await fake.stop();
    }
  });
});

describe('Gorgias import after a refused page', () => {
  test('when Gorgias refuses a page (4xx), then the run fails at once and the next request resumes from its cursor', async () => {
    const fake = await new FakeGorgias().start();
    const app = await startGorgiasApp(fake, { GORGIAS_IMPORT_PAGE_SIZE: '2' });
    try {
      app.startWorker();
      const lead = (await createAgent(app.container, { role: 'lead' })).auth;
      for (let i = 0; i < 4; i += 1) fake.seedTicket();
      let lists = 0;
      fake.failNext((r) => r.method === 'GET' && r.path === '/api/tickets' && ++lists === 2, 1, 400);
      const first = await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
      const failed = await waitForJob(app, lead, first.body.jobId);
      expect(failed.state).toBe('failed');
      expect(fake.requests.filter((r) => r.status === 400)).toHaveLength(1); // not retried

      const second = await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
      expect(second.body).toMatchObject({ resumed: true, joined: false });
      const done = await waitForJob(app, lead, second.body.jobId);
      expect(done.result).toMatchObject({ done: 4, created: 4 });
      expect(fake.requests.filter((r) => r.path === '/api/tickets' && !r.query.cursor)).toHaveLength(1);
    } finally {
      await app.stop();
      await fake.stop();
    }
  });
});
