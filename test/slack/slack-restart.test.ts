import type { TicketEntity } from '../../src/modules/tickets/ticket.entity';
import { createTicket } from '../factories';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { startTestApp, type TestApp } from '../setup/test-app';
import {
  breachPayload,
  fakeSlackSetup,
  slackEnv,
  slackQuiet,
  ticketNumberCounts,
  waitFor,
} from './slack-helpers';

let fake: FakeSlack;
const apps: TestApp[] = [];

beforeAll(async () => {
  fake = await startFakeSlack(fakeSlackSetup);
});
afterAll(async () => {
  for (const app of apps.reverse()) await app.stop().catch(() => undefined);
  await fake.stop();
});

test('when the app stops in the middle of a burst, then a new one on the same stores delivers every alert once', async () => {
  const first = await startTestApp({ env: slackEnv(fake) });
  apps.push(first);
  first.startWorker();
  const tickets: TicketEntity[] = [];
  for (let i = 0; i < 50; i++) tickets.push(await createTicket(first.container, { subject: `Restart ${i}` }));
  for (const t of tickets) first.container.events.publish('sla.breach', breachPayload(t.id));

  // Stop as soon as the first message is out: the rest is pending in Postgres, the flush in Redis.
  await waitFor('the first message', () => fake.messagesIn('#sla-alerts').length >= 1);
  await first.stop();
  const deliveredBefore = ticketNumberCounts(fake.messagesIn('#sla-alerts')).size;
  expect(deliveredBefore).toBeLessThan(50);

  const second = await startTestApp({ env: slackEnv(fake), share: first });
  apps.push(second);
  second.startWorker();
  await waitFor(
    'every alert after the restart',
    () => tickets.every((t) => ticketNumberCounts(fake.messagesIn('#sla-alerts')).has(t.number)),
    30_000,
  );
  await slackQuiet(second);

  const counts = ticketNumberCounts(fake.messagesIn('#sla-alerts'));
  for (const t of tickets) expect(counts.get(t.number)).toBe(1);
  const [{ sent }] = await second.container.db.query(
    `SELECT count(*)::int AS sent FROM slack_notifications WHERE kind = 'sla_breach' AND status = 'sent'`,
  );
  expect(sent).toBe(50);
});
