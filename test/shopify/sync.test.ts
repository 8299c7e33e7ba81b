import { createAgent, createCustomer } from '../factories';
import { FakeShopify } from '../fakes/shopify/fake-shopify';
import type { TestApp } from '../setup/test-app';
import { customersWhere, startShopifyApp, waitFor, waitForJob } from './helpers';

// Small pages so a handful of customers spans several pages.
const env = { SHOPIFY_PAGE_SIZE: '3', SHOPIFY_MAX_RETRIES: '2' };

let fake: FakeShopify;
let app: TestApp;
let lead: { Authorization: string };

beforeEach(async () => {
  fake = new FakeShopify();
  await fake.start();
  app = await startShopifyApp(fake, { env });
  app.startWorker();
  lead = (await createAgent(app.container, { role: 'lead' })).auth;
});
afterEach(async () => {
  await app.stop();
  await fake.stop();
});

const linkedCount = async (a: TestApp = app) =>
  (await customersWhere(a, 'shopify_customer_id IS NOT NULL', [])).length;
const listCalls = () => fake.requests.filter((r) => r.path.endsWith('/customers.json'));

test('when a sync runs, then every page is followed through its Link cursor and every customer and order imported', async () => {
  const shoppers = fake.addCustomers(8);
  fake.addOrder(shoppers[0]?.id ?? null, { total_price: '20.00' });
  fake.addOrder(shoppers[0]?.id ?? null, { total_price: '5.00', cancelled_at: '2026-10-02T10:00:00-05:00' });
  fake.addOrder(shoppers[1]?.id ?? null, { total_price: '7.25' });
  // A CRM customer with one shopper's email is linked, not duplicated.
  const existing = await createCustomer(app.container, { email: shoppers[2]?.email ?? '' });

  const res = await app.http.post('/api/shopify/sync/customers').set(lead).expect(202);
  expect(res.body).toMatchObject({ jobId: expect.stringMatching(/^shopify:/), alreadyRunning: false });
  const job = await waitForJob(app, lead, res.body.jobId);

  expect(job).toMatchObject({ state: 'completed', progress: { done: 11, total: 11 } });
  expect(job.result).toMatchObject({ status: 'completed', customers: 8, orders: 3 });
  expect(await linkedCount()).toBe(8);
  const [linked] = await customersWhere(app, 'id = $1', [existing.id]);
  expect(linked?.shopify_customer_id).toBe(String(shoppers[2]?.id));

  // 8 customers at 3 per page: 3 list calls, the first with limit, the others with page_info only.
  const calls = listCalls();
  expect(calls).toHaveLength(3);
  expect(calls[0]?.query).toEqual({ limit: '3' });
  expect(
    calls
      .slice(1)
      .every((c) => c.query.page_info && Object.keys(c.query).sort().join() === 'limit,page_info'),
  ).toBe(true);
  // Orders are listed with status=any, so the cancelled one is seen (and not counted).
  expect(fake.requests.find((r) => r.path.endsWith('/orders.json'))?.query).toMatchObject({ status: 'any' });
  const customerId =
    (await customersWhere(app, 'shopify_customer_id = $1', [String(shoppers[0]?.id)]))[0]?.id ?? '';
  expect(await app.container.services.shopify.orders.orderSummary(customerId)).toMatchObject({
    orderCount: 1,
    totalSpent: 20,
  });
});

test('when the sync runs twice, then nothing is duplicated', async () => {
  fake.addCustomers(5);
  const first = await app.http
    .post('/api/shopify/sync/customers')
    .set(lead)
    .send({ includeOrders: false })
    .expect(202);
  await waitForJob(app, lead, first.body.jobId);
  const second = await app.http
    .post('/api/shopify/sync/customers')
    .set(lead)
    .send({ includeOrders: false })
    .expect(202);
  expect(second.body.runId).not.toBe(first.body.runId);
  await waitForJob(app, lead, second.body.jobId);
  expect(await linkedCount()).toBe(5);
  const all = await customersWhere(app, 'true', []);
  expect(all).toHaveLength(5);
});

test('when a sync is requested while one runs, then the running job is answered', async () => {
  fake.addCustomers(4);
  fake.delayMs = 400; // the run takes seconds: the second request certainly finds it running
  const a = await app.http.post('/api/shopify/sync/customers').set(lead).expect(202);
  const b = await app.http.post('/api/shopify/sync/customers').set(lead).expect(202);
  expect(b.body).toMatchObject({ jobId: a.body.jobId, runId: a.body.runId, alreadyRunning: true });
  await waitForJob(app, lead, a.body.jobId);
});

test('when Shopify answers 429 with Retry-After, then the client waits that long and carries on', async () => {
  fake.addCustomers(7);
  fake.throttleNext(2, '0.3');
  const res = await app.http
    .post('/api/shopify/sync/customers')
    .set(lead)
    .send({ includeOrders: false })
    .expect(202);
  const job = await waitForJob(app, lead, res.body.jobId);
  expect(job.state).toBe('completed');
  expect(await linkedCount()).toBe(7);
  const throttled = fake.requests.filter((r) => r.status === 429);
  expect(throttled).toHaveLength(2);
  // Each retry came no sooner than the Retry-After Shopify asked for.
  for (const t of throttled) {
    const next = fake.requests.find((r) => r.at > t.at && r !== t);
    expect((next?.at ?? 0) - t.at).toBeGreaterThanOrEqual(290);
  }
});

test('when the leaky bucket overflows, then its 429s are retried and the import completes', async () => {
  await app.stop();
  await fake.stop();
  // Full from the first call on, draining 4 calls a second: the first call is certainly refused.
  fake = new FakeShopify({ bucketSize: 3, leakPerSecond: 4, bucketRetryAfter: '0.3', startFull: true });
  await fake.start();
  app = await startShopifyApp(fake, { env: { ...env, SHOPIFY_PAGE_SIZE: '1' } });
  app.startWorker();
  lead = (await createAgent(app.container, { role: 'lead' })).auth;
  fake.addCustomers(6);
  const res = await app.http
    .post('/api/shopify/sync/customers')
    .set(lead)
    .send({ includeOrders: false })
    .expect(202);
  const job = await waitForJob(app, lead, res.body.jobId);
  expect(job.state).toBe('completed');
  expect(await linkedCount()).toBe(6);
  expect(fake.count((r) => r.status === 429)).toBeGreaterThan(0);
  expect(listCalls().filter((r) => r.status === 200)).toHaveLength(6);
});

test('when the worker dies mid-sync and another starts, then the sync resumes from its last page', async () => {
  const shoppers = fake.addCustomers(9); // pages of 3: three pages
  // The third page fails past the client's retries: the first worker's attempt fails there.
  let pageThree: string | undefined;
  fake.failWhen(
    (r) => {
      if (r.path !== 'customers' || !r.query.page_info) return false;
      const afterId = (
        JSON.parse(Buffer.from(r.query.page_info, 'base64url').toString()) as { afterId: number }
      ).afterId;
      if (afterId !== shoppers[5]?.id) return false;
      pageThree = r.query.page_info;
      return true;
    },
    { status: 503, times: 1000, retryAfter: '0.05' },
  );
  const res = await app.http
    .post('/api/shopify/sync/customers')
    .set(lead)
    .send({ includeOrders: false })
    .expect(202);
  const runId = res.body.runId as string;
  await waitFor('the first attempt to fail on page three', async () => {
    const rows: Array<{ pages_done: number }> = await app.container.db.query(
      `SELECT pages_done FROM shopify_sync_runs WHERE id = $1`,
      [runId],
    );
    return fake.count((r) => r.status === 503) >= 3 && rows[0]?.pages_done === 2;
  });
  expect(await linkedCount()).toBe(6);

  // The first process goes away; a new one (same database and Redis) takes over the queue.
  const shared = app;
  await shared.stop();
  fake.clearFaults();
  app = await startShopifyApp(fake, { env, share: shared });
  app.startWorker();
  const job = await waitForJob(app, lead, res.body.jobId);

  expect(job.state).toBe('completed');
  expect(await linkedCount()).toBe(9);
  // Pages one and two were fetched once; page three was asked again with the stored cursor.
  expect(listCalls().filter((r) => !r.query.page_info)).toHaveLength(1);
  const pageTwoCalls = listCalls().filter((r) => r.query.page_info && r.query.page_info !== pageThree);
  expect(pageTwoCalls).toHaveLength(1);
  expect(listCalls().filter((r) => r.query.page_info === pageThree && r.status === 200)).toHaveLength(1);
});

test('when the nightly reconciliation runs, then it imports only what changed since the last good run', async () => {
  const [a, b] = fake.addCustomers(4);
  const res = await app.http.post('/api/shopify/sync/customers').set(lead).expect(202);
  await waitForJob(app, lead, res.body.jobId);
  // Make the completed run look a day old, then change two shoppers "since".
  await app.container.db.query(`UPDATE shopify_sync_runs SET started_at = now() - interval '1 day'`);
  fake.setClock(Date.now()); // the merchant edits after the run
  if (!a || !b) throw new Error('no shoppers');
  fake.updateCustomer(a.id, { first_name: 'Missed' });
  fake.updateCustomer(b.id, { first_name: 'Webhook' });
  const before = fake.requests.length;

  const job = await app.container.queues.add('shopify.reconcile', { requesterId: null });
  const result = await waitFor('the reconciliation to finish', async () => {
    const state = await job.getState();
    if (state === 'failed')
      throw new Error(`reconcile failed: ${(await job.queue.getJob(String(job.id)))?.failedReason}`);
    return state === 'completed' ? (await job.queue.getJob(String(job.id)))?.returnvalue : null;
  });

  expect(result).toMatchObject({ status: 'completed', customers: 2 });
  const listCall = fake.requests.slice(before).find((r) => r.path.endsWith('/customers.json'));
  expect(listCall?.query.updated_at_min).toBeDefined();
  const [row] = await customersWhere(app, 'shopify_customer_id = $1', [String(a.id)]);
  expect(row?.name).toMatch(/^Missed /);
});

test('when an agent asks for a sync, then 403; the job route hides it from them', async () => {
  const { auth } = await createAgent(app.container, { role: 'agent' });
  await app.http.post('/api/shopify/sync/customers').set(auth).expect(403);
  const res = await app.http.post('/api/shopify/sync/customers').set(lead).expect(202);
  await app.http.get(`/api/jobs/${res.body.jobId}`).set(auth).expect(404);
  await waitForJob(app, lead, res.body.jobId);
});

test('when the sync body has an unknown field, then 400', async () => {
  const res = await app.http
    .post('/api/shopify/sync/customers')
    .set(lead)
    .send({ everything: true })
    .expect(400);
  expect(res.body.error.code).toBe('validation_failed');
});
