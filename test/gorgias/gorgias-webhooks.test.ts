import { randomUUID } from 'node:crypto';
import { MessageCreatedBody } from '../../src/modules/integrations/gorgias/gorgias.schemas';
import { createAgent, type AgentWithToken } from '../factories';
import { FakeGorgias, type HttpIntegration } from '../fakes/fake-gorgias';
import type { TestApp } from '../setup/test-app';
import { eventually, gorgiasQueueIdle, links, startGorgiasApp, WEBHOOK_SECRET } from './helpers';

interface MessageBody {
  author: string;
  internal: boolean;
  body: string;
}

describe('Gorgias webhooks', () => {
  let fake: FakeGorgias;
  let app: TestApp;
  let agent: AgentWithToken;

  const hook = (path: 'ticket-created' | 'ticket-message-created', body: unknown, secret = WEBHOOK_SECRET) =>
    app.http
      .post(`/api/gorgias/webhooks/${path}`)
      .set('X-Webhook-Secret', secret)
      .send(body as object);

  const crmTicketOf = (gorgiasId: number) =>
    eventually(
      async () => (await links(app, 'ticket')).find((l) => l.external_id === String(gorgiasId))?.entity_id,
      `Gorgias ticket ${gorgiasId} in the CRM`,
    );

  const messagesOf = async (ticketId: string) =>
    (await app.http.get(`/api/tickets/${ticketId}/messages`).set(agent.auth).expect(200)).body
      .data as MessageBody[];

  const integrations = (template: HttpIntegration['template'] = 'ids'): HttpIntegration[] => [
    {
      trigger: 'ticket-created',
      url: `${app.url}/api/gorgias/webhooks/ticket-created`,
      headers: { 'X-Webhook-Secret': WEBHOOK_SECRET },
      template,
    },
    {
      trigger: 'ticket-message-created',
      url: `${app.url}/api/gorgias/webhooks/ticket-message-created`,
      headers: { 'X-Webhook-Secret': WEBHOOK_SECRET },
      template,
    },
  ];
  const useIntegrations = (list: HttpIntegration[]) =>
    fake.integrations.splice(0, fake.integrations.length, ...list);

  beforeAll(async () => {
    fake = await new FakeGorgias().start();
    app = await startGorgiasApp(fake);
    app.startWorker();
    agent = await createAgent(app.container, { role: 'agent' });
  });
  beforeEach(() => useIntegrations(integrations()));
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });

  test('when the secret is missing or wrong, then 401 and nothing is recorded', async () => {
    const body = { ticket: { id: 123 }, message: { id: 456 } };
    const missing = await app.http.post('/api/gorgias/webhooks/ticket-created').send(body).expect(401);
    expect(missing.body.error.code).toBe('invalid_webhook_secret');
    await hook('ticket-created', body, 'not-the-secret').expect(401);
    await hook('ticket-message-created', body, `${WEBHOOK_SECRET}x`).expect(401);
    await app.http.post('/api/gorgias/webhooks/ticket-message-created').send({}).expect(401);
    const rows = await app.container.db.query(`SELECT count(*)::int AS n FROM gorgias_webhook_deliveries`);
    expect(rows[0].n).toBe(0);
  });

  test('when the secret is right but the body is not a Gorgias event, then 400 naming the field', async () => {
    const res = await hook('ticket-message-created', { ticket: { id: 'abc' } }).expect(400);
    const fields = (res.body.error.details as Array<{ field: string }>).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.ticket.id', 'body.message']));
  });

  test('when Gorgias reports a new ticket, then it is imported with its messages, once however often it is delivered', async () => {
    const seeded = fake.seedTicket({
      subject: 'Coupon not applied',
      customer: { email: 'fay@shop.example', name: 'Fay' },
      messages: [{ body: 'My coupon did not work' }, { fromAgent: true, body: 'Fixed, sorry!' }],
    });
    const first = await hook('ticket-created', { ticket: { id: seeded.id, status: 'open' } }).expect(200);
    expect(first.body).toEqual({ accepted: true, duplicate: false });
    const again = await hook('ticket-created', { ticket: { id: String(seeded.id) } }).expect(200);
    expect(again.body).toEqual({ accepted: false, duplicate: true });

    const ticketId = await crmTicketOf(seeded.id);
    await gorgiasQueueIdle(app);
    expect((await messagesOf(ticketId)).map((m) => [m.author, m.body])).toEqual([
      ['customer', 'My coupon did not work'],
      ['agent', 'Fixed, sorry!'],
    ]);
    expect((await links(app, 'ticket')).filter((l) => l.external_id === String(seeded.id))).toHaveLength(1);
    const link = await app.http.get(`/api/tickets/${ticketId}/gorgias-link`).set(agent.auth).expect(200);
    expect(link.body.url).toBe(`https://acme.gorgias.com/app/ticket/${seeded.id}`);
    // Imported, so never pushed back.
    expect(fake.count('POST', /^\/api\/tickets/)).toBe(0);
  });

  test('when a customer writes in Gorgias on a solved ticket, then the message is added and the ticket reopens', async () => {
    const seeded = fake.seedTicket({ subject: 'Tracking', messages: [{ body: 'Where is it?' }] });
    await hook('ticket-created', { ticket: { id: seeded.id } }).expect(200);
    const ticketId = await crmTicketOf(seeded.id);
    await app.http.patch(`/api/tickets/${ticketId}`).set(agent.auth).send({ status: 'solved' }).expect(200);
    await eventually(async () => seeded.status === 'closed', 'Gorgias to follow the solve');

    fake.addMessage(seeded.id, { body: 'It still has not arrived.' }); // Gorgias reopens and calls us
    await eventually(
      async () => (await messagesOf(ticketId)).some((m) => m.body === 'It still has not arrived.'),
      'the customer message in the CRM',
    );
    await gorgiasQueueIdle(app);
    const ticket = (await app.http.get(`/api/tickets/${ticketId}`).set(agent.auth).expect(200)).body;
    expect(ticket.status).toBe('open');
    expect((await messagesOf(ticketId)).at(-1)).toMatchObject({ author: 'customer', internal: false });
    // Gorgias reopened the ticket itself: our reopening is not sent back to it.
    const puts = fake.requests.filter((r) => r.method === 'PUT' && r.path === `/api/tickets/${seeded.id}`);
    expect(puts.map((r) => r.body)).toEqual([{ status: 'closed' }]);
    expect(
      fake.deliveries.filter((d) => d.trigger === 'ticket-message-created').every((d) => d.status === 200),
    ).toBe(true);
  });

  test('when the webhook carries the whole message, then it is stored without asking the API, notes kept internal', async () => {
    const seeded = fake.seedTicket({ subject: 'Gift wrap' });
    await hook('ticket-created', { ticket: { id: seeded.id } }).expect(200);
    const ticketId = await crmTicketOf(seeded.id);
    await gorgiasQueueIdle(app);
    useIntegrations(integrations('full'));
    // A second apart: two messages of the same millisecond have no order but their random ids.
    const now = Date.now();
    fake.addMessage(seeded.id, { fromAgent: true, body: 'Wrapped and shipped.', at: new Date(now - 1000) });
    fake.addMessage(seeded.id, { internal: true, body: 'Used the red paper.', at: new Date(now) });
    await eventually(async () => (await messagesOf(ticketId)).length === 3, 'both messages in the CRM');
    const messages = await messagesOf(ticketId);
    expect(messages.slice(1).map((m) => [m.author, m.internal, m.body])).toEqual([
      ['agent', false, 'Wrapped and shipped.'],
      ['agent', true, 'Used the red paper.'],
    ]);
    expect(fake.count('GET', new RegExp(`^/api/tickets/${seeded.id}/messages/\\d+$`))).toBe(0);
  });

  test('when a message arrives for a ticket we have never seen, then the whole ticket is imported', async () => {
    useIntegrations([]);
    const seeded = fake.seedTicket({ subject: 'Missed', messages: [{ body: 'First' }] });
    useIntegrations(integrations());
    fake.addMessage(seeded.id, { body: 'Second' });
    const ticketId = await crmTicketOf(seeded.id);
    await gorgiasQueueIdle(app);
    expect((await messagesOf(ticketId)).map((m) => m.body)).toEqual(['First', 'Second']);
  });

  test('when the same message is delivered twice (or its job runs twice), then it is stored once', async () => {
    useIntegrations([]);
    const seeded = fake.seedTicket({ subject: 'Twice' });
    await hook('ticket-created', { ticket: { id: seeded.id } }).expect(200);
    const ticketId = await crmTicketOf(seeded.id);
    await gorgiasQueueIdle(app);
    const m = fake.addMessage(seeded.id, { body: 'Hello again' });
    const body = { ticket: { id: seeded.id, status: 'open' }, message: { id: m.id } };
    expect((await hook('ticket-message-created', body).expect(200)).body).toEqual({
      accepted: true,
      duplicate: false,
    });
    expect((await hook('ticket-message-created', body).expect(200)).body).toEqual({
      accepted: false,
      duplicate: true,
    });
    await gorgiasQueueIdle(app);
    // bull is at-least-once: the same job running again changes nothing.
    expect(
      await app.container.services.gorgias.webhooks.processMessageCreated(MessageCreatedBody.parse(body)),
    ).toEqual({
      skipped: 'known message',
    });
    expect((await messagesOf(ticketId)).filter((x) => x.body === 'Hello again')).toHaveLength(1);
  });

  test('when we push a ticket and a reply, then the webhooks Gorgias sends back are recognised (no loop, no copies)', async () => {
    // Gorgias' webhooks reach us before its answers to our requests do: the tightest race.
    fake.postAnswerDelayMs = 400;
    const created = (
      await app.http
        .post('/api/tickets')
        .set(agent.auth)
        .send({ subject: 'Loop check', body: 'Does this loop?', customer: { email: 'gus@shop.example' } })
        .expect(201)
    ).body as { id: string };
    const g = await eventually(
      async () => fake.allTickets().find((t) => t.external_id === created.id),
      'the pushed ticket',
    );
    await app.http
      .post(`/api/tickets/${created.id}/messages`)
      .set(agent.auth)
      .send({ body: 'No loop.' })
      .expect(201);
    await eventually(async () => g.messages.length === 2, 'the pushed reply');
    await fake.settled();
    await gorgiasQueueIdle(app);

    const back = fake.deliveries.filter((d) => (d.body as { ticket: { id: number } }).ticket.id === g.id);
    expect(back.map((d) => d.trigger).sort()).toEqual([
      'ticket-created',
      'ticket-message-created',
      'ticket-message-created',
    ]);
    expect(back.every((d) => d.status === 200)).toBe(true);
    // Each delivery was accepted and its job ran, recognising our own objects.
    const jobs = (await app.container.queues.queue('gorgias').getCompleted()).filter(
      (j) =>
        j.name.startsWith('gorgias.webhook-') && (j.data as { ticket: { id: number } }).ticket.id === g.id,
    );
    expect(jobs.map((j) => j.returnvalue as unknown)).toEqual([
      { skipped: expect.stringMatching(/^known/) },
      { skipped: expect.stringMatching(/^known/) },
      { skipped: expect.stringMatching(/^known/) },
    ]);
    expect((await messagesOf(created.id)).map((m) => m.body)).toEqual(['Does this loop?', 'No loop.']);
    expect((await links(app, 'ticket')).filter((l) => l.external_id === String(g.id))).toEqual([
      expect.objectContaining({ entity_id: created.id, origin: 'crm' }),
    ]);
    const gusTickets = await app.container.db.query(
      `SELECT count(*)::int AS n FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE c.email = 'gus@shop.example'`,
    );
    expect(gusTickets[0].n).toBe(1);
    expect(g.messages).toHaveLength(2);
    fake.postAnswerDelayMs = 0;
  });

  test('when a ticket does not exist, then its gorgias-link is 404', async () => {
    await app.http.get(`/api/tickets/${randomUUID()}/gorgias-link`).set(agent.auth).expect(404);
  });
});
