import { registerSlackListeners } from '../../src/modules/integrations/slack/slack.listeners';
import { createCustomer, createTicket } from '../factories';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { startTestApp, type TestApp } from '../setup/test-app';
import { breachPayload, fakeSlackSetup, slackEnv, slackQuiet, waitFor } from './slack-helpers';

let fake: FakeSlack;
let app: TestApp;

beforeAll(async () => {
  fake = await startFakeSlack(fakeSlackSetup);
  app = await startTestApp({
    env: slackEnv(fake, { SLACK_NOTIFY_WARNINGS: 'true', SLACK_URGENT_CHANNEL: '' }),
  });
  app.startWorker();
});
afterAll(async () => {
  await app.stop();
  await fake.stop();
});

test('when SLA warnings are on, then a warning is posted once, marked as at risk', async () => {
  const ticket = await createTicket(app.container, { subject: 'Nearly late' });
  const warning = {
    ticketId: ticket.id,
    target: 'first_response' as const,
    dueAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    assigneeId: null,
  };
  app.container.events.publish('sla.warning', warning);
  app.container.events.publish('sla.warning', warning);
  await waitFor('the warning', () =>
    fake.messagesIn('#sla-alerts').some((m) => m.text.includes(`#${ticket.number}`)),
  );
  await slackQuiet(app);
  const mine = fake.messagesIn('#sla-alerts').filter((m) => m.text.includes(`#${ticket.number}`));
  expect(mine).toHaveLength(1);
  expect(mine[0]?.text).toContain('SLA at risk');
  expect(mine[0]?.text).toContain('first response due');
});

test('when a high churn-risk customer opens a ticket, then the urgent channel (here the alert channel) is told', async () => {
  const risky = await createCustomer(app.container, { name: 'Risky Rita' });
  // The composition root wires the intelligence module's cached churn the same way.
  registerSlackListeners(
    app.container.events,
    app.container.queues,
    app.container.config.slack,
    {
      riskFor: (customerId) =>
        Promise.resolve(
          customerId === risky.id
            ? { riskLevel: 'high', probability: 0.83 }
            : { riskLevel: 'low', probability: 0.1 },
        ),
    },
    app.container.logger,
  );
  const calm = await createTicket(app.container, { subject: 'Calm customer' });
  const ticket = await createTicket(app.container, { subject: 'Cancel my plan', customerId: risky.id });
  await waitFor('the churn alert', () =>
    fake.messagesIn('#sla-alerts').some((m) => m.text.includes(`#${ticket.number}`)),
  );
  await slackQuiet(app);
  const text = fake
    .messagesIn('#sla-alerts')
    .map((m) => m.text)
    .join('\n');
  expect(text).toContain('High churn-risk customer opened a ticket');
  expect(text).toContain('churn risk *high* (83%)');
  expect(text).toContain('customer: Risky Rita');
  expect(text).not.toContain(`#${calm.number} `);
});

test('when the bot token is revoked or wrong, then alerts fail with invalid_auth, counted, without retry storms', async () => {
  const bad = await startTestApp({ env: slackEnv(fake, { SLACK_BOT_TOKEN: 'xoxb-wrong' }) });
  try {
    bad.startWorker();
    const tickets = [await createTicket(bad.container), await createTicket(bad.container)];
    for (const t of tickets) bad.container.events.publish('sla.breach', breachPayload(t.id));
    await slackQuiet(bad);
    const rows = await bad.container.db.query(
      `SELECT status, last_error, attempts FROM slack_notifications ORDER BY id`,
    );
    expect(rows).toEqual([
      { status: 'failed', last_error: 'invalid_auth', attempts: 1 },
      { status: 'failed', last_error: 'invalid_auth', attempts: 1 },
    ]);
    const metric = await bad.container.metrics.registry.getSingleMetricAsString(
      'slack_platform_errors_total',
    );
    expect(metric).toContain('error="invalid_auth"');
    expect(fake.requests.filter((r) => r.error === 'invalid_auth').length).toBeLessThanOrEqual(2);
  } finally {
    await bad.stop();
  }
});
