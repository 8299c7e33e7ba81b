import { createTicket } from '../factories';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack';
import { startTestApp, type TestApp } from '../setup/test-app';
import { signSlackRequest } from '../../src/modules/integrations/slack/slack.signature';
import { fakeSlackSetup, signingSecret, slackEnv, slackQuiet, waitFor } from './slack-helpers';

let fake: FakeSlack;
let app: TestApp;

beforeAll(async () => {
  fake = await startFakeSlack(fakeSlackSetup);
  app = await startTestApp({ env: slackEnv(fake) });
  app.startWorker();
});
afterAll(async () => {
  await app.stop();
  await fake.stop();
});

const now = () => String(Math.floor(Date.now() / 1000));

/** Sends exactly these bytes, signed as Slack signs them (unless told otherwise). */
function deliver(
  raw: string,
  opts: { timestamp?: string; signature?: string; secret?: string; retryNum?: number } = {},
) {
  const timestamp = opts.timestamp ?? now();
  const signature = opts.signature ?? signSlackRequest(opts.secret ?? signingSecret, timestamp, raw);
  const req = app.http
    .post('/api/slack/webhooks/events')
    .set('content-type', 'application/json')
    .set('x-slack-request-timestamp', timestamp)
    .set('x-slack-signature', signature);
  if (opts.retryNum !== undefined)
    req.set('x-slack-retry-num', String(opts.retryNum)).set('x-slack-retry-reason', 'http_timeout');
  return req.send(raw);
}

test('when Slack verifies the URL with a signed request, then the challenge is answered', async () => {
  const raw = JSON.stringify({ token: 'legacy', challenge: 'c-3f9a', type: 'url_verification' });
  const res = await deliver(raw).expect(200);
  expect(res.body).toEqual({ challenge: 'c-3f9a' });
});

test('when a request is forged, unsigned, stale or signed with another secret, then it is refused with 401', async () => {
  const raw = JSON.stringify({ challenge: 'x', type: 'url_verification' });
  const forged = await deliver(raw, { signature: `v0=${'0'.repeat(64)}` }).expect(401);
  expect(forged.body.error.code).toBe('slack_signature_invalid');
  await deliver(raw, { secret: 'another-secret' }).expect(401);
  await deliver(raw, { signature: 'v0=short' }).expect(401);
  const stale = await deliver(raw, { timestamp: String(Math.floor(Date.now() / 1000) - 301) }).expect(401);
  expect(stale.body.error.message).toContain('five minutes');
  await deliver(raw, { timestamp: String(Math.floor(Date.now() / 1000) + 400) }).expect(401);
  await app.http
    .post('/api/slack/webhooks/events')
    .set('content-type', 'application/json')
    .send(raw)
    .expect(401);
  // The signature covers the exact bytes: the same JSON re-spaced no longer matches.
  const timestamp = now();
  await deliver(JSON.stringify(JSON.parse(raw), null, 1), {
    timestamp,
    signature: signSlackRequest(signingSecret, timestamp, raw),
  }).expect(401);
});

test('when an app mention names a ticket, then the bot answers in the thread, once despite Slack retries', async () => {
  const ticket = await createTicket(app.container, { subject: 'Where is my parcel', priority: 'high' });
  const raw = JSON.stringify({
    token: 'legacy',
    team_id: 'T0FAKE',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'app_mention',
      user: 'U0ALICE',
      text: `<@U0BOT> what is the state of #${ticket.number}?`,
      ts: '1700000000.000100',
      channel: 'C0ALERTS',
      event_ts: '1700000000.000100',
    },
  });

  const first = await deliver(raw).expect(200);
  expect(first.body).toEqual({ ok: true });
  const retry = await deliver(raw, { retryNum: 1 }).expect(200);
  expect(retry.body).toEqual({ ok: true, duplicate: true });
  await deliver(raw, { retryNum: 2 }).expect(200);

  await waitFor('the threaded reply', () => fake.messagesIn('C0ALERTS').some((m) => m.threadTs));
  await slackQuiet(app);
  const replies = fake.messagesIn('C0ALERTS').filter((m) => m.threadTs === '1700000000.000100');
  expect(replies).toHaveLength(1);
  expect(replies[0]?.text).toContain(`#${ticket.number} Where is my parcel`);
  expect(replies[0]?.text).toContain('priority *high*');
  const [event] = await app.container.db.query(
    `SELECT deliveries, last_retry_num, processed_at IS NOT NULL AS processed FROM slack_events`,
  );
  expect(event).toEqual({ deliveries: 3, last_retry_num: 2, processed: true });
});

test('when a signed delivery is not an event this endpoint knows, then it is a 400', async () => {
  const raw = JSON.stringify({ type: 'event_callback', event: { type: 'app_mention' } });
  const res = await deliver(raw).expect(400);
  expect(res.body.error.details[0].field).toBe('body.event_id');
});
