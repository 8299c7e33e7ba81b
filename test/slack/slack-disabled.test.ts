import { createAgent, createTicket } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { breachPayload } from './slack-helpers';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  app.startWorker();
});
afterAll(async () => {
  await app.stop();
});

test('when no Slack token is configured, then the Slack routes answer 503 and say why', async () => {
  const { auth } = await createAgent(app.container, { role: 'admin' });
  const notify = await app.http.post('/api/slack/notify').set(auth).send({ text: 'hello' }).expect(503);
  expect(notify.body.error.code).toBe('slack_not_configured');
  expect(notify.body.error.message).toContain('SLACK_BOT_TOKEN');
  await app.http.get('/api/slack/channels').set(auth).expect(503);
  const events = await app.http
    .post('/api/slack/webhooks/events')
    .set('content-type', 'application/json')
    .send(JSON.stringify({ type: 'url_verification', challenge: 'abc' }))
    .expect(503);
  expect(events.body.error.code).toBe('slack_not_configured');
});

test('when no Slack token is configured, then tickets and SLA events work and nothing is queued', async () => {
  const ticket = await createTicket(app.container, { subject: 'Quiet', priority: 'urgent' });
  app.container.events.publish('sla.breach', breachPayload(ticket.id));
  await app.container.events.drain();
  const counts = await app.container.queues.queue('slack').getJobCounts();
  expect(counts.waiting + counts.delayed + counts.active).toBe(0);
  const [{ n }] = await app.container.db.query(`SELECT count(*)::int AS n FROM slack_notifications`);
  expect(n).toBe(0);
  // The worker still starts: every slack job has a handler, which does nothing.
  const summary = await app.container.queues.add('slack.daily-summary', {});
  expect(await summary.finished()).toEqual({ queued: 0 });
  const flush = await app.container.queues.add('slack.flush', { channel: '#any' });
  expect(await flush.finished()).toEqual({ outcome: 'empty' });
});
