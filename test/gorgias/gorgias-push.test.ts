import { createAgent, type AgentWithToken } from '../factories';
import { FakeGorgias, type FakeTicket } from '../fakes/fake-gorgias';
import type { TestApp } from '../setup/test-app';
import { eventually, gorgiasQueueIdle, links, startGorgiasApp, waitForJob } from './helpers';

type Body = Record<string, unknown>;

describe('Gorgias push', () => {
  let fake: FakeGorgias;
  let app: TestApp;
  let agent: AgentWithToken;

  const gorgiasTicketOf = (ticketId: string): Promise<FakeTicket> =>
    eventually(
      async () => fake.allTickets().find((t) => t.external_id === ticketId),
      `ticket ${ticketId} in Gorgias`,
    );

  const createCrmTicket = async (subject: string, body?: string) =>
    (
      await app.http
        .post('/api/tickets')
        .set(agent.auth)
        .send({
          subject,
          ...(body ? { body } : {}),
          customer: { email: 'carol@shop.example', name: 'Carol' },
        })
        .expect(201)
    ).body as { id: string };

  beforeAll(async () => {
    fake = await new FakeGorgias().start();
    app = await startGorgiasApp(fake);
    app.startWorker();
    agent = await createAgent(app.container, { role: 'agent' });
  });
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });

  test('when a ticket is created in the CRM, then it is created in Gorgias with its first message, and linked', async () => {
    const ticket = await createCrmTicket('Broken zipper', 'The zipper broke on day one.');
    const g = await gorgiasTicketOf(ticket.id);
    expect(g).toMatchObject({ subject: 'Broken zipper', status: 'open' });
    expect(g.customer?.email).toBe('carol@shop.example');
    expect(g.messages).toHaveLength(1);
    expect(g.messages[0]).toMatchObject({ from_agent: false, body_text: 'The zipper broke on day one.' });
    const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/api/tickets');
    const first = ((create?.body as Body).messages as Body[])[0];
    // The customer's message already happened: recorded, not sent.
    expect(first?.sent_datetime).toEqual(expect.any(String));

    const link = await eventually(async () => {
      const res = await app.http.get(`/api/tickets/${ticket.id}/gorgias-link`).set(agent.auth);
      return res.status === 200 ? res : null;
    }, 'the link to be stored');
    expect(link.body).toEqual({ url: `https://acme.gorgias.com/app/ticket/${g.id}`, gorgiasTicketId: g.id });
    await eventually(async () => (await links(app, 'message')).length === 1, 'the first message link');
    const [messageLink] = await links(app, 'message');
    expect(messageLink).toMatchObject({ external_id: String(g.messages[0]?.id), origin: 'crm' });
  });

  test('when an agent replies and leaves a note, then Gorgias gets a reply to send and an internal note', async () => {
    const ticket = await createCrmTicket('Late delivery', 'Still nothing after two weeks.');
    const g = await gorgiasTicketOf(ticket.id);
    await app.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(agent.auth)
      .send({ body: 'Sorry! A replacement ships today.' })
      .expect(201);
    await app.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(agent.auth)
      .send({ body: 'Carrier claim filed.', internal: true })
      .expect(201);
    await eventually(async () => g.messages.length === 3, 'the reply and the note in Gorgias');
    await gorgiasQueueIdle(app);

    const posted = fake.requests
      .filter((r) => r.method === 'POST' && r.path === `/api/tickets/${g.id}/messages`)
      .map((r) => r.body as Body);
    const reply = posted.find((b) => b.body_text === 'Sorry! A replacement ships today.');
    const note = posted.find((b) => b.body_text === 'Carrier claim filed.');
    expect(reply).toMatchObject({ channel: 'email', from_agent: true, public: true, via: 'api' });
    // Carol became a Gorgias customer with the first ticket: referenced by id from then on.
    expect(reply?.receiver).toEqual({ id: g.customer?.id });
    expect(reply?.source).toEqual({
      type: 'email',
      from: { address: fake.email },
      to: [{ address: 'carol@shop.example' }],
    });
    expect(reply?.sent_datetime).toBeUndefined(); // so Gorgias sends it to the customer
    expect(note).toMatchObject({ channel: 'internal-note', from_agent: true, public: false });
    expect(posted).toHaveLength(2);
    const gorgiasIds = new Set((await links(app, 'message')).map((l) => l.external_id));
    for (const m of g.messages) expect(gorgiasIds.has(String(m.id))).toBe(true);
  });

  test('when the status changes, then Gorgias follows with open or closed only when its own status changes', async () => {
    const ticket = await createCrmTicket('Wrong colour', 'I ordered blue.');
    const g = await gorgiasTicketOf(ticket.id);
    const puts = () => fake.requests.filter((r) => r.method === 'PUT' && r.path === `/api/tickets/${g.id}`);

    await app.http.patch(`/api/tickets/${ticket.id}`).set(agent.auth).send({ status: 'solved' }).expect(200);
    await eventually(async () => g.status === 'closed', 'Gorgias to close the ticket');
    await app.http.patch(`/api/tickets/${ticket.id}`).set(agent.auth).send({ status: 'open' }).expect(200);
    await eventually(async () => g.status === 'open', 'Gorgias to reopen the ticket');
    // open → pending is still "open" in Gorgias: nothing to send.
    await app.http.patch(`/api/tickets/${ticket.id}`).set(agent.auth).send({ status: 'pending' }).expect(200);
    await gorgiasQueueIdle(app);
    expect(puts().map((r) => r.body)).toEqual([{ status: 'closed' }, { status: 'open' }]);
    expect((await links(app, 'ticket')).find((l) => l.entity_id === ticket.id)?.external_status).toBe('open');
  });

  test('when the status changes while the ticket is still being created in Gorgias, then Gorgias ends with the new status', async () => {
    fake.postAnswerDelayMs = 300; // the creation is in flight for a while
    try {
      const ticket = await createCrmTicket('Quick solve', 'Never mind, found it.');
      await eventually(
        async () => fake.allTickets().find((t) => t.external_id === ticket.id),
        'the creation',
      );
      await app.http
        .patch(`/api/tickets/${ticket.id}`)
        .set(agent.auth)
        .send({ status: 'solved' })
        .expect(200);
      const g = await gorgiasTicketOf(ticket.id);
      await eventually(async () => g.status === 'closed', 'Gorgias to end closed');
      await gorgiasQueueIdle(app);
      expect(g.status).toBe('closed');
    } finally {
      fake.postAnswerDelayMs = 0;
    }
  });

  test('when a push runs again (a retried job), then Gorgias still has each object once', async () => {
    const ticket = await createCrmTicket('Missing item', 'One sock missing.');
    const g = await gorgiasTicketOf(ticket.id);
    const reply = (
      await app.http.post(`/api/tickets/${ticket.id}/messages`).set(agent.auth).send({ body: 'Sending one.' })
    ).body as { id: string };
    await eventually(async () => g.messages.length === 2, 'the reply in Gorgias');
    await gorgiasQueueIdle(app);
    const { push } = app.container.services.gorgias;
    expect(await push.pushTicket(ticket.id)).toEqual({ skipped: 'already in Gorgias' });
    expect(await push.pushMessage(reply.id)).toEqual({ skipped: 'already in Gorgias' });
    await app.container.queues.add(
      'gorgias.push-message',
      { messageId: reply.id },
      { jobId: `push-message-${reply.id}` },
    );
    await gorgiasQueueIdle(app);
    expect(g.messages).toHaveLength(2);
    expect(fake.allTickets().filter((t) => t.external_id === ticket.id)).toHaveLength(1);
  });

  test('when Gorgias fails a push once, then the job retries and the reply arrives once', async () => {
    const ticket = await createCrmTicket('Damaged box', 'The box was crushed.');
    const g = await gorgiasTicketOf(ticket.id);
    await gorgiasQueueIdle(app);
    fake.failNext((r) => r.method === 'POST' && r.path === `/api/tickets/${g.id}/messages`, 1, 503);
    await app.http.post(`/api/tickets/${ticket.id}/messages`).set(agent.auth).send({ body: 'Photo please?' });
    await eventually(async () => g.messages.length === 2, 'the reply after a retry', 20_000);
    const attempts = fake.requests.filter(
      (r) => r.method === 'POST' && r.path === `/api/tickets/${g.id}/messages`,
    );
    expect(attempts.map((r) => r.status)).toEqual([503, 201]);
  });

  test('when an agent replies on a ticket imported from Gorgias, then the reply goes to that Gorgias ticket', async () => {
    const seeded = fake.seedTicket({
      subject: 'Exchange',
      customer: { email: 'dan@shop.example', name: 'Dan' },
      messages: [{ body: 'Can I exchange?' }],
    });
    const lead = (await createAgent(app.container, { role: 'lead' })).auth;
    const started = await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202);
    await waitForJob(app, lead, started.body.jobId);
    const ticketId = (await links(app, 'ticket')).find((l) => l.external_id === String(seeded.id))?.entity_id;
    expect(ticketId).toBeDefined();
    const ticketsBefore = fake.count('POST', /^\/api\/tickets$/);
    await app.http
      .post(`/api/tickets/${ticketId}/messages`)
      .set(agent.auth)
      .send({ body: 'Of course.' })
      .expect(201);
    await eventually(async () => seeded.messages.length === 2, 'the reply on the imported ticket');
    await gorgiasQueueIdle(app);
    expect(seeded.messages[1]).toMatchObject({ from_agent: true, body_text: 'Of course.' });
    expect(fake.count('POST', /^\/api\/tickets$/)).toBe(ticketsBefore);
    // The reply was to an existing customer in Gorgias: referenced by id, not re-created by email.
    const posted = fake.requests.filter(
      (r) => r.method === 'POST' && r.path === `/api/tickets/${seeded.id}/messages`,
    );
    expect((posted[0]?.body as Body).receiver).toEqual({ id: seeded.customer?.id });
  });

  test('when a solve is still on its way to Gorgias, then an import carrying the old status does not undo it', async () => {
    const seeded = fake.seedTicket({ subject: 'Stale status', messages: [{ body: 'Help' }] });
    const lead = (await createAgent(app.container, { role: 'lead' })).auth;
    await waitForJob(
      app,
      lead,
      (await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202)).body.jobId,
    );
    const ticketId = (await links(app, 'ticket')).find((l) => l.external_id === String(seeded.id))?.entity_id;
    // Gorgias is briefly down for status updates: the push of the solve has to retry.
    fake.failNext((r) => r.method === 'PUT' && r.path === `/api/tickets/${seeded.id}`, 3, 503);
    await app.http.patch(`/api/tickets/${ticketId}`).set(agent.auth).send({ status: 'solved' }).expect(200);
    await eventually(
      async () => fake.requests.some((r) => r.method === 'PUT' && r.status === 503),
      'a failed PUT',
    );
    // Meanwhile someone leaves a note in Gorgias (still "open" there) and an import runs.
    fake.addMessage(seeded.id, { internal: true, body: 'Looking into it.' });
    const job = await waitForJob(
      app,
      lead,
      (await app.http.post('/api/gorgias/sync/tickets').set(lead).expect(202)).body.jobId,
    );
    expect(job.result).toMatchObject({ messages: 1 });
    const during = (await app.http.get(`/api/tickets/${ticketId}`).set(agent.auth)).body;
    expect(during.status).toBe('solved');
    await eventually(
      async () => seeded.status === 'closed',
      'the retried push to close the Gorgias ticket',
      20_000,
    );
    await gorgiasQueueIdle(app);
    expect((await app.http.get(`/api/tickets/${ticketId}`).set(agent.auth)).body.status).toBe('solved');
  });
});

describe('Gorgias push switched off', () => {
  test('when GORGIAS_PUSH is off, then CRM tickets, replies and status changes stay in the CRM', async () => {
    const fake = await new FakeGorgias().start();
    const app = await startGorgiasApp(fake, { GORGIAS_PUSH: 'off' });
    try {
      app.startWorker();
      const agent = await createAgent(app.container, { role: 'agent' });
      const ticket = (
        await app.http
          .post('/api/tickets')
          .set(agent.auth)
          .send({ subject: 'Quiet', body: 'Hello', customer: { email: 'erin@shop.example' } })
          .expect(201)
      ).body as { id: string };
      await app.http
        .post(`/api/tickets/${ticket.id}/messages`)
        .set(agent.auth)
        .send({ body: 'Hi!' })
        .expect(201);
      await app.http
        .patch(`/api/tickets/${ticket.id}`)
        .set(agent.auth)
        .send({ status: 'solved' })
        .expect(200);
      await gorgiasQueueIdle(app);
      expect(fake.requests).toHaveLength(0);
      await app.http.get(`/api/tickets/${ticket.id}/gorgias-link`).set(agent.auth).expect(404);
    } finally {
      await app.stop();
      await fake.stop();
    }
  });
});
