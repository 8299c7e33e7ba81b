import { randomUUID } from 'node:crypto';
import { createAgent, createCustomer, createTicket } from '../factories';
import { shopifyTime, type FakeShopify } from '../fakes/shopify/fake-shopify';
import type { ShopifyWebhookSender } from '../fakes/shopify/webhook-sender';
import type { TestApp } from '../setup/test-app';
import { DeliveryRecorder } from '../../src/modules/integrations/shopify/delivery-recorder';
import {
  finishDeliveriesSql,
  recomputeSummariesSql,
  ShopifyRepository,
} from '../../src/modules/integrations/shopify/shopify.repository';
import { customersWhere, settle, startShopifyFixture, waitFor, type ShopifyFixture } from './helpers';

let fixture: ShopifyFixture;
let fake: FakeShopify;
let app: TestApp;
let sender: ShopifyWebhookSender;

beforeAll(async () => {
  ({ fake, app, sender } = fixture = await startShopifyFixture());
});
afterAll(() => fixture.stop());

const deliveryCount = async (webhookId: string): Promise<number> => {
  const rows: Array<{ n: number }> = await app.container.db.query(
    `SELECT count(*)::int AS n FROM shopify_webhook_deliveries WHERE webhook_id = $1`,
    [webhookId],
  );
  return rows[0]?.n ?? 0;
};

describe('signature', () => {
  test('when the signature is wrong, then 401 and nothing is stored or created', async () => {
    const shopper = fake.addCustomer();
    const d = sender.build('customers/create', shopper);
    const res = await sender.send({ ...d, signature: sender.sign(d.body, 'not-the-secret') });
    expect(res.status).toBe(401);
    expect((res.body as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect(await deliveryCount(d.webhookId)).toBe(0);
    await app.container.events.drain();
    expect(await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)])).toHaveLength(0);
  });

  test('when the signature header is missing, then 401 and nothing is stored', async () => {
    const d = sender.build('customers/create', fake.addCustomer());
    const res = await sender.send(d, { 'X-Shopify-Hmac-Sha256': null });
    expect(res.status).toBe(401);
    expect(await deliveryCount(d.webhookId)).toBe(0);
  });

  test('when the body was altered after signing, then 401', async () => {
    const shopper = fake.addCustomer();
    const d = sender.build('customers/create', shopper);
    const tampered = { ...d, body: d.body.replace(shopper.email ?? '', 'attacker@example.com') };
    const res = await sender.send(tampered);
    expect(res.status).toBe(401);
    expect(await deliveryCount(d.webhookId)).toBe(0);
  });

  test('when a signed delivery lacks its webhook id, then 400 naming the header', async () => {
    const d = sender.build('customers/create', fake.addCustomer());
    const res = await sender.send(d, { 'X-Shopify-Webhook-Id': null });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('x-shopify-webhook-id');
  });

  test('when the signature is right, then 200 and the customer is created by the job', async () => {
    const shopper = fake.addCustomer({ first_name: 'Ada', last_name: 'Lovelace', phone: '+16135550100' });
    const res = await sender.deliver('customers/create', shopper);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, duplicate: false, ignored: false });
    await settle(app);
    const [row] = await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)]);
    expect(row).toMatchObject({ email: shopper.email, name: 'Ada Lovelace', phone: '+16135550100' });
  });
});

describe('delivery semantics', () => {
  test('when the same delivery arrives twice, then the repeat is acknowledged and processed once', async () => {
    const shopper = fake.addCustomer();
    const first = await sender.deliver('customers/create', shopper);
    const repeat = await sender.send(first.delivery);
    expect(first.body).toMatchObject({ duplicate: false });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ received: true, duplicate: true });
    await settle(app);
    expect(await deliveryCount(first.delivery.webhookId)).toBe(1);
    const rows: Array<{ status: string; payload: unknown }> = await app.container.db.query(
      `SELECT status, payload FROM shopify_webhook_deliveries WHERE webhook_id = $1`,
      [first.delivery.webhookId],
    );
    expect(rows[0]).toEqual({ status: 'processed', payload: null });
    expect(await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)])).toHaveLength(1);
  });

  test('when deliveries are acknowledged and processed, then /metrics counts them by stage and outcome', async () => {
    const first = await sender.deliver('customers/create', fake.addCustomer());
    await sender.send(first.delivery);
    await settle(app);
    const metrics = await app.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /shopify_webhook_deliveries_total\{[^}]*stage="ack",outcome="new"[^}]*\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /shopify_webhook_deliveries_total\{[^}]*stage="ack",outcome="duplicate"[^}]*\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /shopify_webhook_deliveries_total\{[^}]*stage="job",outcome="processed"[^}]*\} [1-9]/,
    );
  });

  test('when an older update arrives after a newer one, then the newer data stays', async () => {
    const shopper = fake.addCustomer({ first_name: 'Old' });
    const v1 = fake.updateCustomer(shopper.id, { first_name: 'Middle', phone: '+15550001' });
    const v2 = fake.updateCustomer(shopper.id, { first_name: 'New', phone: '+15550002' });
    await sender.deliver('customers/update', v2);
    await settle(app);
    await sender.deliver('customers/update', v1);
    await sender.deliver('customers/create', shopper);
    await settle(app);
    const [row] = await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)]);
    expect(row?.name).toBe(`New ${shopper.last_name}`);
    expect(row?.phone).toBe('+15550002');
    expect(row?.shopify_updated_at?.getTime()).toBe(Date.parse(v2.updated_at));
  });

  test('when a shopper matches a CRM customer by email in another case, then that customer is linked, not duplicated', async () => {
    const existing = await createCustomer(app.container, {
      email: 'mixed.case@example.com',
      name: 'From a ticket',
    });
    const shopper = fake.addCustomer({
      email: 'Mixed.Case@Example.COM',
      first_name: 'Mixed',
      last_name: 'Case',
    });
    await sender.deliver('customers/create', shopper);
    await settle(app);
    const rows = await customersWhere(app, 'email = $1', ['mixed.case@example.com']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: existing.id,
      shopify_customer_id: String(shopper.id),
      name: 'Mixed Case',
    });
  });

  test('when a customer is deleted in Shopify, then the CRM customer is unlinked, keeps its tickets, and a late update does not relink it', async () => {
    const shopper = fake.addCustomer();
    await sender.deliver('customers/create', shopper);
    await settle(app);
    const linked = await linkedRow(shopper.id);
    const ticket = await createTicket(app.container, { customerId: linked.id });
    const lateUpdate = fake.updateCustomer(shopper.id, { first_name: 'Late' });

    await sender.deliver('customers/delete', { id: shopper.id });
    await settle(app);
    await sender.deliver('customers/update', lateUpdate);
    await settle(app);

    const [after] = await customersWhere(app, 'id = $1', [linked.id]);
    expect(after?.shopify_customer_id).toBeNull();
    expect(after?.email).toBe(shopper.email);
    expect(await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)])).toHaveLength(0);
    const { auth } = await createAgent(app.container, { role: 'admin' });
    await app.http.get(`/api/tickets/${ticket.id}`).set(auth).expect(200);
  });

  test('when a topic is not one this receiver handles, then it is acknowledged as ignored and not stored', async () => {
    const res = await sender.deliver('products/create', { id: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ignored: true });
    expect(await deliveryCount(res.delivery.webhookId)).toBe(0);
  });

  test('when a signed payload is unusable, then it is acknowledged, marked failed and not retried', async () => {
    const res = await sender.deliver('customers/update', { id: 'not-a-number' });
    expect(res.status).toBe(200);
    await settle(app);
    const rows: Array<{ status: string }> = await app.container.db.query(
      `SELECT status FROM shopify_webhook_deliveries WHERE webhook_id = $1`,
      [res.delivery.webhookId],
    );
    expect(rows[0]?.status).toBe('failed');
  });
});

describe('recovery', () => {
  test('when a recorded delivery lost its job, then the sweep enqueues it again and it is processed', async () => {
    const shopper = fake.addCustomer({ first_name: 'Stranded' });
    await app.container.db.query(
      `INSERT INTO shopify_webhook_deliveries (webhook_id, topic, shop_domain, received_at, payload)
       VALUES ($1, 'customers/create', $2, now() - interval '10 minutes', $3::jsonb)`,
      ['stranded-delivery-1', fake.shop, JSON.stringify(shopper)],
    );
    await app.container.queues.add('shopify.sweep-deliveries', {});
    await settle(app);
    const [row] = await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)]);
    expect(row?.name).toMatch(/^Stranded /);
  });
});

const statusOf = async (ids: string[]) => {
  const rows: Array<{ webhook_id: string; status: string; outcome: string | null }> =
    await app.container.db.query(
      `SELECT webhook_id, status, outcome FROM shopify_webhook_deliveries WHERE webhook_id = ANY($1)`,
      [ids],
    );
  return Object.fromEntries(rows.map((r) => [r.webhook_id, { status: r.status, outcome: r.outcome }]));
};

/** The CRM customer linked to a Shopify shopper (the test fails when there is none). */
const linkedRow = async (shopifyCustomerId: number) => {
  const [row] = await customersWhere(app, 'shopify_customer_id = $1', [String(shopifyCustomerId)]);
  if (!row) throw new Error(`no customer linked to shopper ${shopifyCustomerId}`);
  return row;
};

/** Records a delivery as the API would, without queueing it: the test runs its job itself. */
const recordDelivery = async (topic: string, payload: unknown): Promise<string> => {
  const webhookId = `direct-${randomUUID()}`;
  await app.container.db.query(
    `INSERT INTO shopify_webhook_deliveries (webhook_id, topic, shop_domain, payload)
     VALUES ($1, $2, $3, $4::jsonb)`,
    [webhookId, topic, fake.shop, JSON.stringify(payload)],
  );
  return webhookId;
};

describe('a batch of customer deliveries applied together', () => {
  test('when one batch holds versions of a linked shopper, a new one, an email change, a deleted one and a CRM customer to link, then every outcome and customer is what applying them in order gives, in one transaction', async () => {
    const held = fake.addCustomer({ first_name: 'Held', phone: '+15550000' });
    const mover = fake.addCustomer();
    const gone = fake.addCustomer();
    for (const shopper of [held, mover, gone]) await sender.deliver('customers/create', shopper);
    await sender.deliver('customers/delete', { id: gone.id });
    const crm = await createCustomer(app.container, { email: 'together.crm@example.com' });
    await settle(app);
    const heldRow = await linkedRow(held.id);
    const moverRow = await linkedRow(mover.id);

    const v1 = fake.updateCustomer(held.id, { first_name: 'One', phone: null });
    const v2 = fake.updateCustomer(held.id, { first_name: 'Two', phone: '+15552222' });
    const v3 = fake.updateCustomer(held.id, { first_name: 'Three', phone: null });
    const fresh = fake.addCustomer();
    const fresher = fake.updateCustomer(fresh.id, { first_name: 'Fresher' });
    const moved = fake.updateCustomer(mover.id, { email: 'moved.together@example.com' });
    const late = fake.updateCustomer(gone.id, { first_name: 'Late' });
    const toLink = fake.addCustomer({ email: 'Together.CRM@example.com' });
    const ids = {
      v2: await recordDelivery('customers/update', v2),
      v1: await recordDelivery('customers/update', v1),
      v3: await recordDelivery('customers/update', v3),
      fresh: await recordDelivery('customers/create', fresh),
      fresher: await recordDelivery('customers/update', fresher),
      moved: await recordDelivery('customers/update', moved),
      late: await recordDelivery('customers/update', late),
      toLink: await recordDelivery('customers/create', toLink),
      unusable: await recordDelivery('customers/update', { id: 'not a number' }),
    };

    const webhooks = app.container.services.shopify.webhooks;
    await expect(webhooks.processBatch(Object.values(ids), false)).resolves.toEqual({
      processed: 8,
      failed: 1,
      skipped: 0,
    });
    const freshRow = await linkedRow(fresh.id);
    const outcome = (status: string, text: string) => ({ status, outcome: text });
    expect(await statusOf(Object.values(ids))).toEqual({
      [ids.v2]: outcome('processed', `updated ${heldRow.id}`),
      [ids.v1]: outcome('processed', 'stale'),
      [ids.v3]: outcome('processed', `updated ${heldRow.id}`),
      [ids.fresh]: outcome('processed', `created ${freshRow.id}`),
      [ids.fresher]: outcome('processed', `updated ${freshRow.id}`),
      [ids.moved]: outcome('processed', `updated ${moverRow.id}`),
      [ids.late]: outcome('processed', 'tombstoned'),
      [ids.toLink]: outcome('processed', `linked ${crm.id}`),
      [ids.unusable]: { status: 'failed', outcome: expect.stringContaining('payload id') },
    });

    // A null phone keeps the one held; the newest version's time is what is held.
    expect((await customersWhere(app, 'id = $1', [heldRow.id]))[0]).toMatchObject({
      name: `Three ${held.last_name}`,
      phone: '+15552222',
      shopify_updated_at: new Date(v3.updated_at),
    });
    expect(freshRow).toMatchObject({ name: `Fresher ${fresh.last_name}` });
    expect((await customersWhere(app, 'id = $1', [moverRow.id]))[0]?.email).toBe(
      'moved.together@example.com',
    );
    expect(await customersWhere(app, 'shopify_customer_id = $1', [String(gone.id)])).toHaveLength(0);
    expect((await customersWhere(app, 'id = $1', [crm.id]))[0]?.shopify_customer_id).toBe(String(toLink.id));
    // Rows written by one transaction carry its id.
    const writers: Array<{ n: number }> = await app.container.db.query(
      `SELECT count(DISTINCT xmin::text)::int AS n FROM customers WHERE id = ANY($1)`,
      [[heldRow.id, freshRow.id, moverRow.id, crm.id]],
    );
    expect(writers[0]?.n).toBe(1);
  });
});

describe('a batch of order deliveries applied together', () => {
  test('when one batch holds versions of an order, a late copy, a cancellation, an order of a new shopper and one without a customer, then outcomes and summaries are what applying them in order gives, in one transaction', async () => {
    const regular = fake.addCustomer();
    await sender.deliver('customers/create', regular);
    await settle(app);
    const regularRow = await linkedRow(regular.id);

    const a = fake.addOrder(regular.id, { total_price: '40.00' });
    const aUpdated = fake.updateOrder(a.id, { total_price: '45.00' });
    const b = fake.addOrder(regular.id, { total_price: '10.50' });
    const bCancelled = fake.updateOrder(b.id, { cancelled_at: shopifyTime(Date.now()) });
    const newcomer = fake.addCustomer();
    const c = fake.addOrder(newcomer.id, { total_price: '7.25' });
    const guest = fake.addOrder(null, { total_price: '3.00' });
    const ids = {
      a: await recordDelivery('orders/create', a),
      aUpdated: await recordDelivery('orders/updated', aUpdated),
      aLate: await recordDelivery('orders/create', a),
      b: await recordDelivery('orders/create', b),
      bCancelled: await recordDelivery('orders/cancelled', bCancelled),
      c: await recordDelivery('orders/create', c),
      guest: await recordDelivery('orders/create', guest),
    };

    await expect(
      app.container.services.shopify.webhooks.processBatch(Object.values(ids), false),
    ).resolves.toEqual({ processed: 7, failed: 0, skipped: 0 });
    const outcomes = await statusOf(Object.values(ids));
    expect(
      Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, outcomes[id]?.outcome])),
    ).toEqual({
      a: 'stored',
      aUpdated: 'stored',
      aLate: 'stale',
      b: 'stored',
      bCancelled: 'stored',
      c: 'stored',
      guest: 'stored',
    });

    const orders = app.container.services.shopify.orders;
    expect(await orders.orderSummary(regularRow.id)).toMatchObject({ orderCount: 1, totalSpent: 45 });
    const newcomerRow = await linkedRow(newcomer.id);
    expect(await orders.orderSummary(newcomerRow.id)).toMatchObject({ orderCount: 1, totalSpent: 7.25 });
    const rows: Array<{
      shopify_order_id: string;
      customer_id: string | null;
      total_price: string;
      writer: string;
    }> = await app.container.db.query(
      `SELECT shopify_order_id, customer_id, total_price::text, xmin::text AS writer FROM shopify_orders
          WHERE shopify_order_id = ANY($1)`,
      [[a.id, b.id, c.id, guest.id].map(String)],
    );
    expect(rows.find((r) => r.shopify_order_id === String(a.id))).toMatchObject({ total_price: '45.00' });
    expect(rows.find((r) => r.shopify_order_id === String(guest.id))?.customer_id).toBeNull();
    // Rows written by one transaction carry its id.
    expect(new Set(rows.map((r) => r.writer)).size).toBe(1);
  });
});

describe('a delivery whose processing fails', () => {
  test('when one delivery of a job fails, then its neighbours are finished, it stays received for the retry, and the last attempt records it as failed', async () => {
    // A real database failure for one shopper only (a trigger in this test's own database).
    await app.container.db.query(`
      CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name LIKE 'Doomed %' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_doomed BEFORE INSERT OR UPDATE ON customers
        FOR EACH ROW EXECUTE FUNCTION refuse_doomed();`);
    try {
      const shoppers = [
        fake.addCustomer({ first_name: 'Fine' }),
        fake.addCustomer({ first_name: 'Doomed' }),
        fake.addCustomer({ first_name: 'Fine' }),
      ];
      const ids: string[] = [];
      for (const shopper of shoppers) ids.push(await recordDelivery('customers/create', shopper));
      const webhooks = app.container.services.shopify.webhooks;
      const [fine1, doomed, fine2] = ids as [string, string, string];

      await expect(webhooks.processBatch(ids, false)).rejects.toThrow('1 of 3 deliveries failed');
      expect(await statusOf(ids)).toEqual({
        [fine1]: { status: 'processed', outcome: expect.stringMatching(/^created /) },
        [doomed]: { status: 'received', outcome: null },
        [fine2]: { status: 'processed', outcome: expect.stringMatching(/^created /) },
      });

      await expect(webhooks.processBatch(ids, true)).rejects.toThrow('1 of 3 deliveries failed');
      expect((await statusOf([doomed]))[doomed]).toEqual({
        status: 'failed',
        outcome: expect.stringContaining('gave up: refused for the test'),
      });
      await expect(webhooks.processBatch(ids, false)).resolves.toEqual({
        processed: 0,
        failed: 0,
        skipped: 3,
      });
    } finally {
      await app.container.db.query(`DROP TRIGGER refuse_doomed ON customers; DROP FUNCTION refuse_doomed()`);
    }
  });
});

describe('a queue that refuses the job', () => {
  test('when the queue refuses, then the delivery is still acknowledged and kept received, and a repeat queues it again', async () => {
    const repo = new ShopifyRepository(app.container.db);
    const refusals: string[][] = [];
    const recorder = new DeliveryRecorder(
      repo,
      async (ids) => {
        refusals.push(ids);
        throw new Error('queue unavailable');
      },
      app.container.logger,
    );
    const delivery = {
      webhookId: `refused-${Date.now()}`,
      topic: 'customers/create',
      shopDomain: fake.shop,
      eventId: null,
      apiVersion: null,
      triggeredAt: null,
      payload: JSON.stringify(fake.addCustomer()),
    };
    await expect(recorder.record(delivery)).resolves.toBe('new');
    const rows: Array<{ status: string }> = await app.container.db.query(
      `SELECT status FROM shopify_webhook_deliveries WHERE webhook_id = $1`,
      [delivery.webhookId],
    );
    expect(rows).toEqual([{ status: 'received' }]);
    // A repeat of a delivery still unprocessed is queued again.
    await expect(recorder.record(delivery)).resolves.toBe('duplicate');
    await waitFor('both queue attempts', async () => refusals.length === 2);
    expect(refusals).toEqual([[delivery.webhookId], [delivery.webhookId]]);
    // The app's own worker then processes it once queued for real (what the sweep does).
    await app.container.queues.add('shopify.webhooks', { webhookIds: [delivery.webhookId] });
    await settle(app);
    const after: Array<{ status: string }> = await app.container.db.query(
      `SELECT status FROM shopify_webhook_deliveries WHERE webhook_id = $1`,
      [delivery.webhookId],
    );
    expect(after).toEqual([{ status: 'processed' }]);
  });
});

describe('a delivery that cannot be stored', () => {
  test('when one delivery of a burst cannot be stored, then only it is refused (503, so Shopify retries) and its neighbours are recorded', async () => {
    const good = Array.from({ length: 6 }, () => sender.build('customers/create', fake.addCustomer()));
    // Postgres' jsonb refuses the NUL character that JSON allows.
    const bad = sender.build('customers/create', { ...fake.addCustomer(), note: 'nul \u0000 here' });
    const results = await Promise.all([...good, bad].map((d) => sender.send(d)));
    expect(results.slice(0, 6).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(results[6]?.status).toBe(503);
    expect(results[6]?.body).toMatchObject({ error: { code: 'delivery_not_recorded' } });
    await settle(app);
    for (const d of good) expect(await deliveryCount(d.webhookId)).toBe(1);
    expect(await deliveryCount(bad.webhookId)).toBe(0);
  });
});

describe('a storm of concurrent, duplicated, reordered deliveries', () => {
  test('when every version of ten shoppers is delivered three times at once in random order, then each shopper is exactly one customer holding the newest data', async () => {
    // One shopper already exists in the CRM (from a ticket), under a differently-cased email.
    const preexisting = fake.addCustomer({ email: 'storm.pre@example.com' });
    await createCustomer(app.container, { email: 'storm.pre@example.com' });

    const shoppers = [preexisting, ...Array.from({ length: 9 }, () => fake.addCustomer())];
    const deliveries = shoppers.flatMap((created) => {
      const v1 = fake.updateCustomer(created.id, { first_name: 'Second', phone: '+15551111' });
      const v2 = fake.updateCustomer(created.id, { first_name: 'Final', phone: '+15552222' });
      const versions = [
        sender.build('customers/create', { ...created, email: created.email?.toUpperCase() }),
        sender.build('customers/update', v1),
        sender.build('customers/update', v2),
      ];
      // Each delivery three times with its webhook id, plus one more copy of the same event
      // under a new webhook id (a second subscription).
      return versions.flatMap((d) => [
        d,
        d,
        d,
        sender.build(d.topic, JSON.parse(d.body), { eventId: d.eventId }),
      ]);
    });
    deliveries.sort(() => Math.random() - 0.5);

    const results = await Promise.all(deliveries.map((d) => sender.send(d)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const fresh = results.filter((r) => (r.body as { duplicate: boolean }).duplicate === false);
    expect(fresh).toHaveLength(shoppers.length * 3 * 2);
    await settle(app);

    for (const shopper of shoppers) {
      const byId = await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)]);
      const byEmail = await customersWhere(app, 'email = $1', [shopper.email?.toLowerCase()]);
      expect(byId).toHaveLength(1);
      expect(byEmail).toHaveLength(1);
      expect(byId[0]?.id).toBe(byEmail[0]?.id);
      expect(byId[0]).toMatchObject({ name: `Final ${shopper.last_name}`, phone: '+15552222' });
    }
  });
});

describe('orders', () => {
  const summaryOf = async (customerId: string) =>
    app.container.services.shopify.orders.orderSummary(customerId);

  test('when orders are created, replayed, updated and cancelled, then the summary counts each order once with its latest total', async () => {
    const shopper = fake.addCustomer();
    await sender.deliver('customers/create', shopper);
    await settle(app);
    const customer = await linkedRow(shopper.id);

    const a = fake.addOrder(shopper.id, { total_price: '40.00' });
    const b = fake.addOrder(shopper.id, { total_price: '10.50' });
    const c = fake.addOrder(shopper.id, { total_price: '99.99' });
    const first = await sender.deliver('orders/create', a);
    await sender.send(first.delivery); // a repeat
    await sender.deliver('orders/create', a); // the same order under another webhook id
    await sender.deliver('orders/create', b);
    await sender.deliver('orders/create', c);
    const aUpdated = fake.updateOrder(a.id, { total_price: '45.00' });
    await sender.deliver('orders/updated', aUpdated);
    await settle(app);
    await sender.deliver('orders/create', a); // a late, older copy
    const cCancelled = fake.updateOrder(c.id, { cancelled_at: shopifyTime(Date.now()) });
    await sender.deliver('orders/cancelled', cCancelled);
    await settle(app);

    const summary = await summaryOf(customer.id);
    expect(summary).toMatchObject({ orderCount: 2, totalSpent: 55.5, currency: 'USD' });
    expect(summary?.lastOrderAt?.getTime()).toBe(Date.parse(b.created_at));
    const recent = await app.container.services.shopify.orders.recentOrders(customer.id);
    expect(recent.map((o) => o.name)).toEqual([c.name, b.name, a.name]);
    expect(recent.find((o) => o.id === String(a.id))?.totalPrice).toBe('45.00');
  });

  test('when orders carry their customer unchanged, then the customer is not rewritten; a changed one still updates it', async () => {
    const shopper = fake.addCustomer({ first_name: 'Steady' });
    await sender.deliver('customers/create', shopper);
    await settle(app);
    const rowOf = async () => {
      const rows: Array<{ id: string; name: string; updated_at: Date }> = await app.container.db.query(
        `SELECT id, name, updated_at FROM customers WHERE shopify_customer_id = $1`,
        [String(shopper.id)],
      );
      if (!rows[0]) throw new Error('customer missing');
      return rows[0];
    };
    const before = await rowOf();
    const announced: string[] = [];
    const stop = app.container.events.on('customer.updated', ({ customerId }) => {
      announced.push(customerId);
    });
    try {
      await sender.deliver('orders/create', fake.addOrder(shopper.id, { total_price: '10.00' }));
      await sender.deliver('orders/create', fake.addOrder(shopper.id, { total_price: '20.00' }));
      await settle(app);
      expect(await rowOf()).toEqual(before);
      expect(announced).not.toContain(before.id);

      fake.updateCustomer(shopper.id, { first_name: 'Renamed' });
      await sender.deliver('orders/create', fake.addOrder(shopper.id, { total_price: '30.00' }));
      await settle(app);
      expect((await rowOf()).name).toMatch(/^Renamed /);
      expect(announced).toContain(before.id);
    } finally {
      stop();
    }
    expect(await summaryOf(before.id)).toMatchObject({ orderCount: 3, totalSpent: 60 });
  });

  test('when an order arrives before its customer, then it counts once the customer exists', async () => {
    const shopper = fake.addCustomer();
    const order = fake.addOrder(shopper.id, { total_price: '12.00' });
    // The order's embedded customer has no updated_at in some API versions: only the link.
    await sender.deliver('orders/create', { ...order, customer: { id: shopper.id } });
    await settle(app);
    expect(await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)])).toHaveLength(0);
    await sender.deliver('customers/create', shopper);
    await settle(app);
    const customer = await linkedRow(shopper.id);
    expect(await summaryOf(customer.id)).toMatchObject({ orderCount: 1, totalSpent: 12 });
  });

  test('when an order is deleted, then it no longer counts', async () => {
    const shopper = fake.addCustomer();
    const order = fake.addOrder(shopper.id, { total_price: '30.00' });
    const keep = fake.addOrder(shopper.id, { total_price: '5.00' });
    await sender.deliver('orders/create', order);
    await sender.deliver('orders/create', keep);
    await settle(app);
    await sender.deliver('orders/delete', { id: order.id });
    await settle(app);
    const customer = await linkedRow(shopper.id);
    expect(await summaryOf(customer.id)).toMatchObject({ orderCount: 1, totalSpent: 5 });
  });
});

/** Deliveries with these ids, in this order, as the recorder gets them (empty payloads). */
const bareDeliveries = (ids: string[]) =>
  ids.map((webhookId) => ({
    webhookId,
    topic: 'customers/update',
    shopDomain: fake.shop,
    eventId: null,
    apiVersion: null,
    triggeredAt: null,
    payload: '{}',
  }));

describe('two batches recording the same deliveries', () => {
  test('when two batches record the same new deliveries in opposite orders at once, then neither deadlocks and each delivery is new exactly once', async () => {
    // The API writes two batches at once, and Shopify's repeats (and its retries of a slow ack)
    // put the same delivery in both; each batch lists its deliveries in the order they arrived.
    const repo = new ShopifyRepository(app.container.db);
    for (let round = 0; round < 5; round++) {
      const ids = Array.from(
        { length: 200 },
        (_, i) => `twice-${round}-${Date.now()}-${String(i).padStart(3, '0')}`,
      );
      // A deadlock would fail one of them (after Postgres' 1 s deadlock_timeout).
      const [a, b] = await Promise.all([
        repo.recordDeliveries(bareDeliveries(ids)),
        repo.recordDeliveries(bareDeliveries([...ids].reverse())),
      ]);
      expect(a.inserted.size + b.inserted.size).toBe(ids.length);
      expect(ids.every((id) => a.inserted.has(id) !== b.inserted.has(id))).toBe(true);
    }
  });
});

describe('two jobs finishing the same deliveries', () => {
  test('when two jobs finish overlapping deliveries in opposite orders at once, then neither deadlocks and every delivery ends processed', async () => {
    // A repeat of a delivery still unprocessed is queued again, so two jobs can hold the same
    // ids; each lists its finished deliveries in the order they completed.
    const repo = new ShopifyRepository(app.container.db);
    const ids = Array.from({ length: 200 }, (_, i) => `overlap-${Date.now()}-${String(i).padStart(3, '0')}`);
    await repo.recordDeliveries(bareDeliveries(ids));
    const finish = (order: string[], job: string) =>
      repo.finishDeliveries(order.map((webhookId) => ({ webhookId, status: 'processed', outcome: job })));
    for (let round = 0; round < 5; round++) {
      await app.container.db.query(
        `UPDATE shopify_webhook_deliveries SET status = 'received', outcome = NULL WHERE webhook_id = ANY($1)`,
        [ids],
      );
      await expect(Promise.all([finish(ids, 'a'), finish([...ids].reverse(), 'b')])).resolves.toBeDefined();
      const rows: Array<{ status: string; n: number }> = await app.container.db.query(
        `SELECT status, count(*)::int AS n FROM shopify_webhook_deliveries WHERE webhook_id = ANY($1) GROUP BY status`,
        [ids],
      );
      expect(rows).toEqual([{ status: 'processed', n: ids.length }]);
    }
  });
});

describe('finishing deliveries under a backlog', () => {
  test('when twenty thousand deliveries wait that the statistics do not know of, then finishing a batch does not scan the pending index', async () => {
    // Statistics taken with nothing waiting, then a storm's backlog: what the planner sees after one.
    await app.container.db.query(`ANALYZE shopify_webhook_deliveries`);
    await app.container.db.query(
      `INSERT INTO shopify_webhook_deliveries (webhook_id, topic, shop_domain, payload)
       SELECT 'backlog-' || g, 'customers/update', $1, '{}'::jsonb FROM generate_series(1, 20000) AS g`,
      [fake.shop],
    );
    try {
      const ids = Array.from({ length: 100 }, (_, i) => `backlog-${i * 200 + 1}`);
      const plan: unknown = await app.container.db.query(`EXPLAIN (FORMAT JSON) ${finishDeliveriesSql}`, [
        ids,
        ids.map(() => 'processed'),
        ids.map(() => 'done'),
      ]);
      expect(JSON.stringify(plan)).not.toContain('shopify_webhook_deliveries_pending_idx');
    } finally {
      await app.container.db.query(
        `DELETE FROM shopify_webhook_deliveries WHERE webhook_id LIKE 'backlog-%'`,
      );
    }
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every node of a plan tree. */
const scans = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(scans)];

describe('recounting order summaries under many orders', () => {
  test('when twenty thousand orders exist that the statistics do not know of, then a recount reads each customer through its index, never the whole table', async () => {
    // Statistics taken while the shop had no orders, then its history arrives: a new shop's first hours.
    await app.container.db.query(`ANALYZE shopify_orders`);
    const customers: Array<{ id: string }> = await app.container.db.query(
      `INSERT INTO customers (email) SELECT 'recount-' || g || '@example.com' FROM generate_series(1, 200) AS g RETURNING id`,
    );
    const ids = customers.map((c) => c.id);
    await app.container.db.query(
      `INSERT INTO shopify_orders (shop, shopify_order_id, customer_id, total_price, currency, order_created_at, shopify_updated_at)
       SELECT $1, 'recount-' || c.n || '-' || g, c.id, 10, 'EUR', now(), now()
         FROM unnest($2::uuid[]) WITH ORDINALITY AS c(id, n), generate_series(1, 100) AS g`,
      [fake.shop, ids],
    );
    try {
      const some = ids.slice(0, 45);
      const [
        {
          'QUERY PLAN': [plan],
        },
      ]: Array<{ 'QUERY PLAN': [{ Plan: PlanNode }] }> = await app.container.db.query(
        `EXPLAIN (FORMAT JSON) ${recomputeSummariesSql}`,
        [some],
      );
      const ordersReads = scans(plan.Plan).filter((n) => n['Relation Name'] === 'shopify_orders');
      expect(ordersReads.length).toBeGreaterThan(0);
      expect(ordersReads.map((n) => n['Node Type'])).not.toContain('Seq Scan');
      expect(scans(plan.Plan).map((n) => n['Index Name'])).toContain('shopify_orders_customer_idx');

      // And it counts what it should: 100 orders of 10.00 each, one customer without any.
      await app.container.db.query(`DELETE FROM shopify_orders WHERE customer_id = $1`, [ids[1]]);
      await app.container.db.query(recomputeSummariesSql, [[ids[0], ids[1], ids[0]]]);
      const rows: Array<{
        customer_id: string;
        orders_count: number;
        total_spent: string;
        currency: string | null;
      }> = await app.container.db.query(
        `SELECT customer_id, orders_count, total_spent::text AS total_spent, currency
             FROM customer_order_summaries WHERE customer_id = ANY($1) ORDER BY orders_count DESC`,
        [[ids[0], ids[1]]],
      );
      expect(rows).toEqual([
        { customer_id: ids[0], orders_count: 100, total_spent: '1000.00', currency: 'EUR' },
        { customer_id: ids[1], orders_count: 0, total_spent: '0.00', currency: null },
      ]);
    } finally {
      await app.container.db.query(`DELETE FROM shopify_orders WHERE shopify_order_id LIKE 'recount-%'`);
    }
  });
});
