import { createAgent, createCustomer, createTicket } from '../factories';
import type { FakeCustomer, FakeShopify } from '../fakes/shopify/fake-shopify';
import type { ShopifyWebhookSender } from '../fakes/shopify/webhook-sender';
import type { TestApp } from '../setup/test-app';
import { customersWhere, settle, startShopifyFixture, type ShopifyFixture } from './helpers';

let fake: FakeShopify;
let app: TestApp;
let sender: ShopifyWebhookSender;
let admin: { Authorization: string };

let fixture: ShopifyFixture;

beforeAll(async () => {
  ({ fake, app, sender } = fixture = await startShopifyFixture());
  admin = (await createAgent(app.container, { role: 'admin' })).auth;
});
afterAll(() => fixture.stop());

/** A shopper known to the CRM with a conversation: their words, an agent's reply, a note. */
async function shopperWithConversation(word: string) {
  const shopper = fake.addCustomer({
    first_name: 'Grace',
    last_name: `Hopper${word}`,
    phone: '+16135550199',
  });
  await sender.deliver('customers/create', shopper);
  const order = fake.addOrder(shopper.id, { total_price: '31.00' });
  await sender.deliver('orders/create', order);
  await settle(app);
  const [customer] = await customersWhere(app, 'shopify_customer_id = $1', [String(shopper.id)]);
  if (!customer) throw new Error('customer not created');
  const ticket = await createTicket(app.container, {
    customerId: customer.id,
    subject: 'Where is my parcel',
    body: `My address changed, the ${word} code is 1234`,
  });
  await app.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(admin)
    .send({ body: 'We are on it, sorry for the wait' })
    .expect(201);
  await app.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(admin)
    .send({ body: 'Carrier claim filed', internal: true })
    .expect(201);
  return { shopper, customer, ticket, order };
}

const redactPayload = (s: FakeCustomer) => ({
  shop_id: 954889,
  shop_domain: fake.shop,
  customer: { id: s.id, email: s.email, phone: s.phone },
  orders_to_redact: [],
});

describe('customers/data_request', () => {
  test('when a data request arrives, then an export of the customer, tickets, messages and orders is kept for admins', async () => {
    const { shopper, customer, ticket, order } = await shopperWithConversation('kumquat');
    const payload = {
      shop_id: 954889,
      shop_domain: fake.shop,
      orders_requested: [order.id],
      customer: { id: shopper.id, email: shopper.email, phone: shopper.phone },
      data_request: { id: 9999 },
    };
    expect((await sender.deliver('customers/data_request', payload)).status).toBe(200);
    // Shopify may send the same request again under another webhook id: still one export.
    await sender.deliver('customers/data_request', payload);
    await settle(app);

    const list = await app.http.get('/api/shopify/exports').set(admin).expect(200);
    const mine = (list.body.data as Array<{ id: string; dataRequestId: string; customerId: string }>).filter(
      (e) => e.dataRequestId === '9999',
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]?.customerId).toBe(customer.id);

    const download = await app.http.get(`/api/shopify/exports/${mine[0]?.id}`).set(admin).expect(200);
    expect(download.headers['content-disposition']).toContain('attachment');
    const bundle = JSON.parse(download.text) as {
      customers: Array<{ email: string; name: string }>;
      tickets: Array<{ id: string }>;
      messages: Array<{ body: string; authorType: string; internal: boolean }>;
      orders: Array<{ shopifyOrderId: string }>;
    };
    expect(bundle.customers[0]).toMatchObject({ email: shopper.email, name: `Grace Hopperkumquat` });
    expect(bundle.tickets.map((t) => t.id)).toEqual([ticket.id]);
    expect(bundle.messages.map((m) => m.body)).toEqual([
      'My address changed, the kumquat code is 1234',
      'We are on it, sorry for the wait',
      'Carrier claim filed',
    ]);
    expect(bundle.orders.map((o) => o.shopifyOrderId)).toEqual([String(order.id)]);

    const audit = await app.http.get('/api/shopify/compliance/audit').set(admin).expect(200);
    const entries = (audit.body.data as Array<{ topic: string; details: { dataRequestId?: string } }>).filter(
      (e) => e.topic === 'customers/data_request' && e.details.dataRequestId === '9999',
    );
    expect(entries).toHaveLength(2);
  });

  test('when a lead asks for exports, then 403: only admins see them', async () => {
    const { auth } = await createAgent(app.container, { role: 'lead' });
    await app.http.get('/api/shopify/exports').set(auth).expect(403);
    await app.http.get('/api/shopify/compliance/audit').set(auth).expect(403);
  });

  test('when an export id is unknown, then 404', async () => {
    await app.http.get('/api/shopify/exports/6f1c1d34-5b1e-4a53-9f53-8a0f2a6f9c11').set(admin).expect(404);
  });
});

describe('customers/redact', () => {
  test('when a redaction is signed wrongly, then 401 and nothing changes', async () => {
    const { shopper, customer } = await shopperWithConversation('persimmon');
    const d = sender.build('customers/redact', redactPayload(shopper));
    const res = await sender.send({ ...d, signature: sender.sign(d.body, 'wrong') });
    expect(res.status).toBe(401);
    await settle(app);
    const [row] = await customersWhere(app, 'id = $1', [customer.id]);
    expect(row?.email).toBe(shopper.email);
  });

  test('when a customer is redacted, then their personal data and words are gone and cannot be found, while tickets stay counted', async () => {
    const { shopper, customer, ticket } = await shopperWithConversation('zanzibarquux');
    await app.http
      .get(`/api/customers?q=${encodeURIComponent(shopper.email ?? '')}`)
      .set(admin)
      .expect(200);
    const before = await app.http.get('/api/tickets?q=zanzibarquux').set(admin).expect(200);
    expect(before.body.data).toHaveLength(1);
    // An export made earlier would keep the data: it goes too.
    await sender.deliver('customers/data_request', {
      shop_domain: fake.shop,
      customer: { id: shopper.id, email: shopper.email },
      data_request: { id: 4242 },
    });
    await settle(app);
    const stale = fake.updateCustomer(shopper.id, { first_name: 'Stale' });

    expect((await sender.deliver('customers/redact', redactPayload(shopper))).status).toBe(200);
    await settle(app);
    // A delivery about the shopper sent before the erasure arrives late: it must not bring data back.
    await sender.deliver('customers/update', stale);
    await settle(app);

    const [row] = await customersWhere(app, 'id = $1', [customer.id]);
    expect(row).toMatchObject({ email: null, name: null, phone: null, shopify_customer_id: null });
    const byEmail = await app.http
      .get(`/api/customers?q=${encodeURIComponent(shopper.email ?? '')}`)
      .set(admin);
    expect(byEmail.body.data).toHaveLength(0);
    const byName = await app.http.get('/api/customers?q=Hopperzanzibarquux').set(admin);
    expect(byName.body.data).toHaveLength(0);
    const search = await app.http.get('/api/tickets?q=zanzibarquux').set(admin).expect(200);
    expect(search.body.data).toHaveLength(0);

    // The ticket is still there (reports keep counting it); the agent's words stay, theirs do not.
    const tickets = await app.http.get(`/api/tickets?customerId=${customer.id}`).set(admin).expect(200);
    expect(tickets.body.data.map((t: { id: string }) => t.id)).toEqual([ticket.id]);
    const messages = await app.http.get(`/api/tickets/${ticket.id}/messages`).set(admin).expect(200);
    const bodies = (messages.body.data as Array<{ body: string }>).map((m) => m.body);
    expect(bodies).toEqual(['[redacted]', 'We are on it, sorry for the wait', 'Carrier claim filed']);

    const exports = await app.http.get('/api/shopify/exports').set(admin).expect(200);
    expect((exports.body.data as Array<{ dataRequestId: string }>).map((e) => e.dataRequestId)).not.toContain(
      '4242',
    );
    const audit = await app.http.get('/api/shopify/compliance/audit').set(admin).expect(200);
    const entry = (
      audit.body.data as Array<{ topic: string; customerIds: string[]; details: Record<string, number> }>
    ).find((e) => e.topic === 'customers/redact' && e.customerIds.includes(customer.id));
    expect(entry?.details).toMatchObject({
      customersErased: 1,
      ticketsKept: 1,
      messagesRedacted: 1,
      exportsDeleted: 1,
    });
    expect(JSON.stringify(entry)).not.toContain(shopper.email ?? '');
  });

  test('when the same redaction is delivered twice, then the second erases nothing more and is logged once per delivery', async () => {
    const { shopper } = await shopperWithConversation('rambutan');
    const first = await sender.deliver('customers/redact', redactPayload(shopper));
    await sender.send(first.delivery);
    await settle(app);
    const audit = await app.http.get('/api/shopify/compliance/audit?limit=100').set(admin).expect(200);
    const entries = (audit.body.data as Array<{ webhookId: string }>).filter(
      (e) => e.webhookId === first.delivery.webhookId,
    );
    expect(entries).toHaveLength(1);
  });
});

describe('shop/redact', () => {
  test('when the shop is redacted, then every customer of that shop is erased and customers from elsewhere are untouched', async () => {
    const a = await shopperWithConversation('loquat');
    const b = await shopperWithConversation('medlar');
    const local = await createCustomer(app.container, { email: 'walk-in@example.com', name: 'Walk In' });

    await sender.deliver('shop/redact', { shop_id: 954889, shop_domain: fake.shop });
    await settle(app);

    for (const { customer } of [a, b]) {
      const [row] = await customersWhere(app, 'id = $1', [customer.id]);
      expect(row).toMatchObject({ email: null, name: null, phone: null });
    }
    expect(await customersWhere(app, 'shopify_customer_id IS NOT NULL', [])).toHaveLength(0);
    const [untouched] = await customersWhere(app, 'id = $1', [local.id]);
    expect(untouched).toMatchObject({ email: 'walk-in@example.com', name: 'Walk In' });
    const audit = await app.http.get('/api/shopify/compliance/audit').set(admin).expect(200);
    const entry = (audit.body.data as Array<{ topic: string; customerIds: string[] }>).find(
      (e) => e.topic === 'shop/redact',
    );
    expect(entry?.customerIds).toEqual(expect.arrayContaining([a.customer.id, b.customer.id]));
  });
});
