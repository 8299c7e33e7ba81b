import { ConfigError, loadConfig } from '../../src/config/config';
import { createAgent } from '../factories';
import { FakeGorgias } from '../fakes/fake-gorgias';
import { baseTestEnv, startTestApp, type TestApp } from '../setup/test-app';
import { gorgiasQueueIdle, startGorgiasApp } from './helpers';

describe('Gorgias configuration', () => {
  const base = baseTestEnv('crm_config_check', 'cfg');

  test('when only some account keys are set, then the configuration names each missing one', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, GORGIAS_DOMAIN: 'acme' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'GORGIAS_EMAIL is required when GORGIAS_DOMAIN is set',
      'GORGIAS_API_KEY is required when GORGIAS_DOMAIN is set',
    ]);
  });

  test('when the account is configured, then the API base follows the domain and push is on by default', () => {
    const config = loadConfig({
      ...base,
      GORGIAS_DOMAIN: 'Acme',
      GORGIAS_EMAIL: 'api@acme.example',
      GORGIAS_API_KEY: 'k',
    });
    expect(config.gorgias.account).toMatchObject({
      domain: 'acme',
      apiBaseUrl: 'https://acme.gorgias.com/api/',
      appBaseUrl: 'https://acme.gorgias.com/app/',
    });
    expect(config.gorgias.push).toBe(true);
    expect(config.gorgias.rateLimit).toMatchObject({ limit: 40, windowMs: 20_000 });
    expect(loadConfig(base).gorgias.account).toBeNull();
  });
});

describe('Gorgias not configured', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
    app.startWorker();
  });
  afterAll(async () => {
    await app.stop();
  });

  test('when no account is configured, then the Gorgias routes answer 503 and tickets still work', async () => {
    const lead = await createAgent(app.container, { role: 'lead' });
    const sync = await app.http.post('/api/gorgias/sync/tickets').set(lead.auth).expect(503);
    expect(sync.body.error.code).toBe('gorgias_not_configured');
    await app.http
      .post('/api/gorgias/webhooks/ticket-created')
      .set('X-Webhook-Secret', 'whatever-whatever')
      .send({ ticket: { id: 1 } })
      .expect(503);
    await app.http
      .post('/api/gorgias/webhooks/ticket-message-created')
      .send({ ticket: { id: 1 }, message: { id: 2 } })
      .expect(503);
    const ticket = await app.http
      .post('/api/tickets')
      .set(lead.auth)
      .send({ subject: 'Still fine', body: 'Hello', customer: { email: 'hal@shop.example' } })
      .expect(201);
    await app.http
      .post(`/api/tickets/${ticket.body.id}/messages`)
      .set(lead.auth)
      .send({ body: 'Hi' })
      .expect(201);
    await app.http.get(`/api/tickets/${ticket.body.id}/gorgias-link`).set(lead.auth).expect(503);
    await gorgiasQueueIdle(app);
    const counts = await app.container.queues.queue('gorgias').getJobCounts();
    expect(counts.completed + counts.failed).toBe(0);
  });

  test('when the app starts, then the Gorgias routes are in the OpenAPI document', async () => {
    const doc = (await app.http.get('/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/gorgias/sync/tickets',
        '/api/gorgias/webhooks/ticket-created',
        '/api/gorgias/webhooks/ticket-message-created',
        '/api/tickets/{id}/gorgias-link',
      ]),
    );
  });
});

describe('Gorgias without a webhook secret', () => {
  test('when no webhook secret is configured, then deliveries are refused with 503 (never accepted unchecked)', async () => {
    const fake = await new FakeGorgias().start();
    const app = await startGorgiasApp(fake, { GORGIAS_WEBHOOK_SECRET: '' });
    try {
      const res = await app.http
        .post('/api/gorgias/webhooks/ticket-created')
        .send({ ticket: { id: 1 } })
        .expect(503);
      expect(res.body.error.code).toBe('gorgias_webhooks_disabled');
    } finally {
      await app.stop();
      await fake.stop();
    }
  });
});
