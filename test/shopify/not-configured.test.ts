import { createAgent, createCustomer, createTicket } from '../factories';
import { ShopifyWebhookSender } from '../fakes/shopify/webhook-sender';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp(); // no SHOPIFY_* keys at all
});
afterAll(async () => {
  await app.stop();
});

test('when no shop is configured, then the Shopify routes answer 503 with a clear message', async () => {
  const { auth } = await createAgent(app.container, { role: 'admin' });
  const customer = await createCustomer(app.container);
  const sender = new ShopifyWebhookSender({ baseUrl: app.url, secret: 'any', shopDomain: 'x.myshopify.com' });

  const webhook = await sender.deliver('customers/create', { id: 1, updated_at: new Date().toISOString() });
  expect(webhook.status).toBe(503);
  expect(webhook.body).toMatchObject({ error: { code: 'shopify_not_configured' } });
  expect((webhook.body as { error: { message: string } }).error.message).toMatch(/SHOPIFY_SHOP/);

  const sync = await app.http.post('/api/shopify/sync/customers').set(auth).expect(503);
  expect(sync.body.error.code).toBe('shopify_not_configured');
  const orders = await app.http.get(`/api/customers/${customer.id}/orders`).set(auth).expect(503);
  expect(orders.body.error.code).toBe('shopify_not_configured');
});

test('when no shop is configured, then everything else works and nothing is recorded', async () => {
  const { auth } = await createAgent(app.container, { role: 'admin' });
  const ticket = await createTicket(app.container, { body: 'hello' });
  await app.http.get(`/api/tickets/${ticket.id}`).set(auth).expect(200);
  await app.http.get('/readyz').expect(200);
  const rows: Array<{ n: number }> = await app.container.db.query(
    `SELECT count(*)::int AS n FROM shopify_webhook_deliveries`,
  );
  expect(rows[0]?.n).toBe(0);
  // Past compliance exports stay readable by admins even with the integration switched off.
  await app.http.get('/api/shopify/exports').set(auth).expect(200);
});

test('when the API document is read, then every Shopify route is described', async () => {
  const res = await app.http.get('/openapi.json').expect(200);
  const paths = Object.keys(res.body.paths as Record<string, unknown>);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/api/shopify/webhooks/customers',
      '/api/shopify/webhooks/orders',
      '/api/shopify/sync/customers',
      '/api/customers/{id}/orders',
      '/api/shopify/exports',
      '/api/shopify/exports/{id}',
      '/api/shopify/compliance/audit',
    ]),
  );
});
