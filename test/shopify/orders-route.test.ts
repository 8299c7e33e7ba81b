import { createAgent, createCustomer } from '../factories';
import { shopifyTime, type FakeShopify } from '../fakes/shopify/fake-shopify';
import type { TestApp } from '../setup/test-app';
import { customersWhere, settle, startShopifyFixture, type ShopifyFixture } from './helpers';

let fake: FakeShopify;
let app: TestApp;
let viewer: { Authorization: string };

// Freshness shortened to one second so the test can outlive it.
let fixture: ShopifyFixture;

beforeAll(async () => {
  ({ fake, app } = fixture = await startShopifyFixture({
    env: { SHOPIFY_ORDERS_CACHE_SECONDS: '1', SHOPIFY_ORDERS_TIMEOUT_MS: '300' },
  }));
  viewer = (await createAgent(app.container, { role: 'viewer' })).auth;
});
afterAll(() => fixture.stop());
afterEach(() => fake.clearFaults());

async function linkedShopper(orders: number) {
  const shopper = fake.addCustomer();
  const made = Array.from({ length: orders }, (_, i) =>
    fake.addOrder(shopper.id, { total_price: `${10 + i}.00` }),
  );
  await fixture.sender.deliver('customers/create', shopper);
  await settle(app);
  const [row] = await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)]);
  if (!row) throw new Error('not linked');
  return { shopper, customerId: row.id, orders: made };
}

const ordersCalls = (shopperId: number) =>
  fake.count((r) => r.path.endsWith(`/customers/${shopperId}/orders.json`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("when a customer's orders are read, then they come from Shopify with status any, newest first, without addresses", async () => {
  const { shopper, customerId, orders } = await linkedShopper(3);
  const cancelled = orders[0];
  if (!cancelled) throw new Error('no order');
  fake.updateOrder(cancelled.id, { cancelled_at: shopifyTime(Date.now()) });

  const res = await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(200);
  expect(res.body).toMatchObject({ customerId, shopifyCustomerId: String(shopper.id), stale: false });
  expect(res.body.data.map((o: { name: string }) => o.name)).toEqual(orders.map((o) => o.name).reverse());
  expect(res.body.data[2]).toMatchObject({
    id: String(cancelled.id),
    totalPrice: '10.00',
    cancelledAt: expect.any(String),
  });
  expect(JSON.stringify(res.body)).not.toContain('Main St');
  const call = fake.requests.find((r) => r.path.endsWith(`/customers/${shopper.id}/orders.json`));
  expect(call?.query.status).toBe('any');
});

test('when orders are read twice within the freshness window, then Shopify is called once', async () => {
  const { shopper, customerId } = await linkedShopper(1);
  await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(200);
  const again = await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(200);
  expect(again.body.stale).toBe(false);
  expect(ordersCalls(shopper.id)).toBe(1);
});

test('when many agents open the same customer at once, then Shopify is called once', async () => {
  const { shopper, customerId } = await linkedShopper(1);
  fake.delayMs = 100;
  const results = await Promise.all(
    Array.from({ length: 8 }, () => app.http.get(`/api/customers/${customerId}/orders`).set(viewer)),
  );
  expect(results.every((r) => r.status === 200 && r.body.data.length === 1)).toBe(true);
  expect(ordersCalls(shopper.id)).toBe(1);
});

test('when the cache is older than its freshness and Shopify is down, then the last answer is served as stale', async () => {
  const { shopper, customerId } = await linkedShopper(2);
  const fresh = await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(200);
  await sleep(1100);
  fake.down = true;
  const res = await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(200);
  expect(res.body).toMatchObject({ stale: true, fetchedAt: fresh.body.fetchedAt });
  expect(res.body.data).toEqual(fresh.body.data);
  expect(ordersCalls(shopper.id)).toBe(2);

  fake.down = false;
  const recovered = await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(200);
  expect(recovered.body.stale).toBe(false);
});

test('when Shopify hangs past the timeout and an answer is cached, then the stale answer comes back without waiting for Shopify', async () => {
  const { customerId } = await linkedShopper(1);
  await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(200);
  await sleep(1100);
  fake.delayMs = 3000;
  const res = await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(200);
  expect(res.body.stale).toBe(true);
});

test('when Shopify is down and nothing is cached, then 503', async () => {
  const { customerId } = await linkedShopper(1);
  fake.down = true;
  const res = await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(503);
  expect(res.body.error.code).toBe('shopify_unavailable');
});

test('when Shopify rejects the token, then it is a failure like any other (503 without cache)', async () => {
  const { customerId } = await linkedShopper(1);
  fake.failWhen(() => true, { status: 401, times: 1 });
  await app.http.get(`/api/customers/${customerId}/orders`).set(viewer).expect(503);
});

test('when the customer is not linked to Shopify, then an empty list without calling Shopify', async () => {
  const customer = await createCustomer(app.container);
  const before = fake.requests.length;
  const res = await app.http.get(`/api/customers/${customer.id}/orders`).set(viewer).expect(200);
  expect(res.body).toMatchObject({ data: [], shopifyCustomerId: null, stale: false });
  expect(fake.requests.length).toBe(before);
});

test('when the customer does not exist, then 404; when the id is not a uuid, then 400', async () => {
  await app.http.get('/api/customers/6f1c1d34-5b1e-4a53-9f53-8a0f2a6f9c11/orders').set(viewer).expect(404);
  await app.http.get('/api/customers/123/orders').set(viewer).expect(400);
});

test('when nobody is logged in, then 401', async () => {
  const customer = await createCustomer(app.container);
  await app.http.get(`/api/customers/${customer.id}/orders`).expect(401);
});
