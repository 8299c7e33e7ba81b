import pino from 'pino';
import type { TicketEntity } from '../../src/modules/tickets/ticket.entity';
import { createAgent, createTicket } from '../factories';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { startTestApp, type TestApp } from '../setup/test-app';
import {
  appUrl,
  breachPayload,
  fakeSlackSetup,
  slackEnv,
  slackQuiet,
  ticketNumberCounts,
  waitFor,
} from './slack-helpers';

let fake: FakeSlack;
let app: TestApp;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await startFakeSlack(fakeSlackSetup);
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
  app = await startTestApp({ env: slackEnv(fake), logger });
  app.startWorker();
});
afterAll(async () => {
  await app.stop();
  await fake.stop();
});
beforeEach(async () => {
  await slackQuiet(app);
  fake.reset();
});

const alertsText = () =>
  fake
    .messagesIn('#sla-alerts')
    .map((m) => m.text)
    .join('\n');

test('when the same breach is published twice, then one alert naming the ticket is posted once', async () => {
  const { agent } = await createAgent(app.container, { name: 'Dana Assignee' });
  const ticket = await createTicket(app.container, { subject: 'Parcel never arrived', priority: 'high' });
  await app.container.db.query(`UPDATE tickets SET assignee_id = $1 WHERE id = $2`, [agent.id, ticket.id]);

  const breach = breachPayload(ticket.id);
  app.container.events.publish('sla.breach', breach);
  app.container.events.publish('sla.breach', breach);

  await waitFor('the alert', () => alertsText().includes(`#${ticket.number}`));
  await slackQuiet(app);
  // A third publication after delivery (the job is gone from the queue's memory) is still a no-op.
  app.container.events.publish('sla.breach', breach);
  await slackQuiet(app);

  const messages = fake.messagesIn('#sla-alerts');
  expect(ticketNumberCounts(messages).get(ticket.number)).toBe(1);
  const text = messages[0]?.text ?? '';
  expect(text).toContain('Parcel never arrived');
  expect(text).toContain('priority *high*');
  expect(text).toMatch(/first response was due .+, breached /);
  expect(text).toContain('assignee: Dana Assignee');
  expect(text).toContain(`${appUrl}/tickets/${ticket.id}`);
  expect(messages[0]?.blocks).toBeDefined();
  const rows = await app.container.db.query(
    `SELECT status, message_ts FROM slack_notifications WHERE ticket_id = $1`,
    [ticket.id],
  );
  expect(rows).toEqual([{ status: 'sent', message_ts: messages[0]?.ts }]);
});

test('when 50 breaches arrive in a burst, then they go out in a few list messages, each ticket exactly once', async () => {
  const tickets: TicketEntity[] = [];
  for (let i = 0; i < 50; i++) tickets.push(await createTicket(app.container, { subject: `Burst ${i}` }));
  for (const t of tickets) app.container.events.publish('sla.breach', breachPayload(t.id));

  await waitFor(
    'all 50 alerts',
    () => tickets.every((t) => ticketNumberCounts(fake.messagesIn('#sla-alerts')).has(t.number)),
    30_000,
  );
  await slackQuiet(app);

  const messages = fake.messagesIn('#sla-alerts');
  const counts = ticketNumberCounts(messages);
  for (const t of tickets) expect(counts.get(t.number)).toBe(1);
  expect(messages.length).toBeGreaterThanOrEqual(3); // at most 20 alerts per message
  expect(messages.length).toBeLessThanOrEqual(8); // "a few": typically 3 or 4
  expect(messages.some((m) => m.text.startsWith('20 SLA breaches:'))).toBe(true);
  // Paced by our own gate: Slack never had to refuse a post, and posts are over a second apart.
  expect(fake.requestsFor('chat.postMessage', '#sla-alerts').filter((r) => r.status === 429)).toHaveLength(0);
  const times = messages.map((m) => m.at);
  for (let i = 1; i < times.length; i++)
    expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(1000);
});

test('when Slack answers 429 with Retry-After, then nothing reaches the channel before it and the alerts follow', async () => {
  const tickets = [
    await createTicket(app.container, { subject: 'Throttled one' }),
    await createTicket(app.container, { subject: 'Throttled two' }),
  ];
  fake.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
  for (const t of tickets) app.container.events.publish('sla.breach', breachPayload(t.id));

  await waitFor('the alerts after the pause', () =>
    tickets.every((t) => ticketNumberCounts(fake.messagesIn('#sla-alerts')).has(t.number)),
  );
  await slackQuiet(app);

  const requests = fake.requestsFor('chat.postMessage', '#sla-alerts');
  const limited = requests.find((r) => r.status === 429);
  expect(limited?.retryAfter).toBe(2);
  const after = requests.filter((r) => r.at > (limited?.at ?? 0));
  expect(after.length).toBeGreaterThan(0);
  for (const r of after) expect(r.at - (limited?.at ?? 0)).toBeGreaterThanOrEqual(2000);
  expect(requests.filter((r) => r.status === 429)).toHaveLength(1);
  const counts = ticketNumberCounts(fake.messagesIn('#sla-alerts'));
  for (const t of tickets) expect(counts.get(t.number)).toBe(1);
});

test('when Slack fails with a 5xx, then the alert is retried with backoff and delivered once', async () => {
  const ticket = await createTicket(app.container, { subject: 'Flaky Slack' });
  fake.failNext('chat.postMessage', { status: 503 }, 2);
  app.container.events.publish('sla.breach', breachPayload(ticket.id));

  await waitFor('the retried alert', () => alertsText().includes(`#${ticket.number}`));
  await slackQuiet(app);
  const statuses = fake.requestsFor('chat.postMessage', '#sla-alerts').map((r) => r.status);
  expect(statuses).toEqual([503, 503, 200]);
  const [row] = await app.container.db.query(
    `SELECT status, attempts FROM slack_notifications WHERE ticket_id = $1`,
    [ticket.id],
  );
  expect(row).toEqual({ status: 'sent', attempts: 3 });
});

test('when the channel does not exist, then the error is logged once, counted, and not retried', async () => {
  const { auth } = await createAgent(app.container, { role: 'lead' });
  for (const text of ['first', 'second']) {
    await app.http.post('/api/slack/notify').set(auth).send({ channel: '#nowhere', text }).expect(202);
  }
  await waitFor('both attempts', () => fake.requestsFor('chat.postMessage', '#nowhere').length === 2);
  await slackQuiet(app);
  await new Promise((r) => setTimeout(r, 500));

  expect(fake.requestsFor('chat.postMessage', '#nowhere').map((r) => r.error)).toEqual([
    'channel_not_found',
    'channel_not_found',
  ]);
  const rows = await app.container.db.query(
    `SELECT status, last_error FROM slack_notifications WHERE channel = '#nowhere'`,
  );
  expect(rows).toEqual([
    { status: 'failed', last_error: 'channel_not_found' },
    { status: 'failed', last_error: 'channel_not_found' },
  ]);
  const metrics = await app.container.metrics.registry.getSingleMetricAsString('slack_platform_errors_total');
  expect(metrics).toMatch(/slack_platform_errors_total\{error="channel_not_found",process="test"\} 2/);
  const logged = logLines.filter((l) => l.includes('channel_not_found'));
  expect(logged).toHaveLength(1);
  expect(logged[0]).toContain('does not exist');
});

test('when the bot is not in the channel, then the notification fails with not_in_channel', async () => {
  const { auth } = await createAgent(app.container, { role: 'admin' });
  await app.http.post('/api/slack/notify').set(auth).send({ channel: '#outside', text: 'hello' }).expect(202);
  await waitFor('the attempt', () => fake.requestsFor('chat.postMessage', '#outside').length === 1);
  await slackQuiet(app);
  const [row] = await app.container.db.query(
    `SELECT status, last_error FROM slack_notifications WHERE channel = '#outside'`,
  );
  expect(row).toEqual({ status: 'failed', last_error: 'not_in_channel' });
  expect(logLines.some((l) => l.includes('/invite'))).toBe(true);
});

test('when a ticket is created urgent or raised to urgent, then the urgent channel hears of it once', async () => {
  const born = await createTicket(app.container, { subject: 'Site is down', priority: 'urgent' });
  const raised = await createTicket(app.container, { subject: 'Checkout broken', priority: 'normal' });
  // What TicketsService.update publishes when a lead raises the priority (twice, with a dip between).
  const raise = (from: 'normal' | 'high' | 'urgent', to: 'normal' | 'high' | 'urgent') =>
    app.container.events.publish('ticket.updated', {
      ticketId: raised.id,
      changes: { priority: [from, to] },
      actorId: null,
    });
  raise('normal', 'urgent');
  raise('urgent', 'high');
  raise('high', 'urgent');

  await waitFor('both urgent alerts', () => {
    const counts = ticketNumberCounts(fake.messagesIn('#urgent'));
    return counts.has(born.number) && counts.has(raised.number);
  });
  await slackQuiet(app);
  const counts = ticketNumberCounts(fake.messagesIn('#urgent'));
  expect(counts.get(born.number)).toBe(1);
  expect(counts.get(raised.number)).toBe(1);
  expect(fake.messagesIn('#urgent')[0]?.text).toContain('Urgent ticket');
  expect(ticketNumberCounts(fake.messagesIn('#sla-alerts')).has(born.number)).toBe(false);
});

test('when an internal note @mentions agents, then Slack users get a DM and others are named in the channel', async () => {
  const { auth } = await createAgent(app.container, { name: 'Lee Author', role: 'lead' });
  await createAgent(app.container, { name: 'Alice Martin', email: 'alice@test.example' });
  await createAgent(app.container, { name: 'Bob Stone', email: `bob-${Date.now()}@test.example` });
  const ticket = await createTicket(app.container, { subject: 'Refund question' });

  await app.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(auth)
    .send({ body: 'Hey @Alice Martin and @bobstone, can you look at this refund?', internal: true })
    .expect(201);
  // A public reply mentioning someone is not a note: no notification.
  await app.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(auth)
    .send({ body: 'Thanks @Alice Martin' })
    .expect(201);

  await waitFor(
    'the DM and the channel mention',
    () => fake.messagesIn('U0ALICE').length === 1 && alertsText(),
  );
  await slackQuiet(app);

  const dms = fake.messagesIn('U0ALICE');
  expect(dms).toHaveLength(1);
  expect(dms[0]?.text).toContain('<@U0ALICE>');
  expect(dms[0]?.text).toContain('Lee Author mentioned you');
  expect(dms[0]?.text).toContain(`#${ticket.number}`);
  const channelText = alertsText();
  expect(channelText).toContain('*Bob Stone*');
  expect(channelText).toContain(`#${ticket.number}`);
  const rows = await app.container.db.query(
    `SELECT channel FROM slack_notifications WHERE kind = 'mention' AND ticket_id = $1 ORDER BY channel`,
    [ticket.id],
  );
  expect(rows).toEqual([{ channel: '#sla-alerts' }, { channel: 'U0ALICE' }]);
});

test('when SLA warnings are off (the default), then a warning sends nothing', async () => {
  const ticket = await createTicket(app.container, { subject: 'Warned' });
  app.container.events.publish('sla.warning', {
    ticketId: ticket.id,
    target: 'resolution',
    dueAt: new Date(Date.now() + 600_000).toISOString(),
    assigneeId: null,
  });
  await slackQuiet(app);
  const [{ n }] = await app.container.db.query(
    `SELECT count(*)::int AS n FROM slack_notifications WHERE ticket_id = $1`,
    [ticket.id],
  );
  expect(n).toBe(0);
});

test('when the daily summary runs, then the alert channel gets volume, backlog, SLA and top agents', async () => {
  const { agent } = await createAgent(app.container, { name: 'Top Solver' });
  const solved = await createTicket(app.container, { subject: 'Solved one' });
  await app.container.db.query(
    `UPDATE tickets SET assignee_id = $1, status = 'solved', resolved_at = now() WHERE id = $2`,
    [agent.id, solved.id],
  );
  await app.container.queues.add('slack.daily-summary', {});
  await waitFor('the summary', () => alertsText().includes('Support summary'));
  await slackQuiet(app);
  const text = alertsText();
  expect(text).toMatch(/\*Volume\*: \d+ new, \d+ resolved/);
  expect(text).toMatch(/\*Backlog\*: \d+ open \(\d+ unassigned, \d+ urgent\)/);
  expect(text).toMatch(/\*SLA\*: \d+ breaches; compliance [\d.]+% of resolved tickets/);
  expect(text).toContain('Top Solver (1)');
  // Sent once per day, however often the job runs.
  await app.container.queues.add('slack.daily-summary', {});
  await slackQuiet(app);
  expect(fake.messagesIn('#sla-alerts').filter((m) => m.text.includes('Support summary'))).toHaveLength(1);
});

test('when a lead lists channels, then the bot’s channels come back; an agent may not', async () => {
  const lead = await createAgent(app.container, { role: 'lead' });
  const agent = await createAgent(app.container, { role: 'agent' });
  const res = await app.http.get('/api/slack/channels').set(lead.auth).expect(200);
  expect(res.body.channels).toEqual(
    expect.arrayContaining([
      { id: 'C0ALERTS', name: 'sla-alerts', isPrivate: false, isMember: true },
      { id: 'C0OUTSIDE', name: 'outside', isPrivate: false, isMember: false },
    ]),
  );
  await app.http.get('/api/slack/channels').set(agent.auth).expect(403);
  await app.http.post('/api/slack/notify').set(agent.auth).send({ text: 'hi' }).expect(403);
});

test('when a lead sends a message with no channel, then it goes to the alert channel, escaped', async () => {
  const { auth } = await createAgent(app.container, { role: 'lead' });
  const res = await app.http
    .post('/api/slack/notify')
    .set(auth)
    .send({ text: 'Standup moved <!channel> & co' })
    .expect(202);
  expect(res.body).toMatchObject({ channel: '#sla-alerts', status: 'pending' });
  await waitFor('the message', () => alertsText().includes('Standup moved'));
  expect(alertsText()).toContain('Standup moved &lt;!channel&gt; &amp; co');
  await app.http.post('/api/slack/notify').set(auth).send({ text: '' }).expect(400);
  await app.http
    .post('/api/slack/notify')
    .set(auth)
    .send({ text: 'x', channel: 'Not A Channel!' })
    .expect(400);
});
