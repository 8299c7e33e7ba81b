import type { FakeShopify } from '../fakes/shopify/fake-shopify';
import type { Delivery, ShopifyWebhookSender } from '../fakes/shopify/webhook-sender';
import type { TestApp } from '../setup/test-app';
import { startShopifyFixture, type ShopifyFixture } from './helpers';

// Webhook receivers are served by the webhook lane (node:http, no express) on their canonical
// path, and by the express router on any other spelling. These tests hold the lane to the
// express path's contract. The worker is not started: only what the request path does matters.
let fixture: ShopifyFixture;
let fake: FakeShopify;
let app: TestApp;
let sender: ShopifyWebhookSender;

beforeAll(async () => {
  ({ fake, app, sender } = fixture = await startShopifyFixture({
    env: { BODY_LIMIT: '2kb' },
    worker: false,
  }));
});
afterAll(() => fixture.stop());

const canonical = '/api/shopify/webhooks/customers';
// Express matches paths case-insensitively and with a trailing slash; the lane only the exact one.
const otherSpelling = '/API/shopify/webhooks/customers/';

function post(
  path: string,
  d: Delivery,
  body: string | Buffer = d.body,
  headers: Record<string, string> = {},
) {
  return app.http
    .post(path)
    .set({ ...sender.headers(d), ...headers })
    .send(body);
}

const recorded = async (webhookId: string): Promise<number> => {
  const rows: Array<{ n: number }> = await app.container.db.query(
    `SELECT count(*)::int AS n FROM shopify_webhook_deliveries WHERE webhook_id = $1`,
    [webhookId],
  );
  return rows[0]?.n ?? 0;
};

test('when a delivery comes to the canonical path, then the lane answers it (no express headers) and records it once', async () => {
  const d = sender.build('customers/update', fake.addCustomer());
  const first = await post(canonical, d).set('X-Request-Id', 'lane-1').expect(200);
  expect(first.body).toEqual({ received: true, duplicate: false, ignored: false });
  expect(first.headers['x-request-id']).toBe('lane-1');
  expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
  // helmet's headers are the express stack's mark; the lane sends only nosniff.
  expect(first.headers['content-security-policy']).toBeUndefined();
  expect(first.headers['x-content-type-options']).toBe('nosniff');
  const repeat = await post(`${canonical}?shop=${fake.shop}`, d).expect(200);
  expect(repeat.body).toEqual({ received: true, duplicate: true, ignored: false });
  expect(await recorded(d.webhookId)).toBe(1);
});

test('when the same delivery comes to another spelling of the path, then express serves it with the same receiver', async () => {
  const d = sender.build('customers/update', fake.addCustomer());
  const viaExpress = await post(otherSpelling, d).expect(200);
  expect(viaExpress.headers['content-security-policy']).toBeDefined();
  expect(viaExpress.body).toEqual({ received: true, duplicate: false, ignored: false });
  const viaLane = await post(canonical, d).expect(200);
  expect(viaLane.body).toEqual({ received: true, duplicate: true, ignored: false });
  expect(await recorded(d.webhookId)).toBe(1);
});

describe.each([
  ['the lane', canonical],
  ['express', otherSpelling],
])('bad input through %s', (_via, path) => {
  test('when the signature is wrong, then 401 with the request id, and nothing is stored', async () => {
    const d = sender.build('customers/update', fake.addCustomer());
    const res = await post(path, { ...d, signature: sender.sign(d.body, 'wrong') })
      .set('X-Request-Id', 'bad-sig')
      .expect(401);
    expect(res.body.error).toMatchObject({ code: 'invalid_signature', requestId: 'bad-sig' });
    expect(await recorded(d.webhookId)).toBe(0);
  });

  test('when the body is not JSON, then 415 and nothing is stored', async () => {
    const d = sender.build('customers/update', fake.addCustomer());
    const res = await post(path, d, d.body, { 'Content-Type': 'text/plain' }).expect(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(await recorded(d.webhookId)).toBe(0);
  });

  test('when the charset is not UTF-8, then 415', async () => {
    const d = sender.build('customers/update', fake.addCustomer());
    const res = await post(path, d, d.body, { 'Content-Type': 'application/json; charset=latin1' }).expect(
      415,
    );
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  test('when signed bytes are not JSON, or JSON but not an object or array, then 400 invalid_json', async () => {
    for (const text of ['{"id": ', '"just a string"']) {
      const d = { ...sender.build('customers/update', {}), body: text, signature: sender.sign(text) };
      const res = await post(path, d).expect(400);
      expect(res.body.error.code).toBe('invalid_json');
      expect(await recorded(d.webhookId)).toBe(0);
    }
  });

  test('when the body is larger than BODY_LIMIT, then 413 and nothing is stored', async () => {
    const d = sender.build('customers/update', { ...fake.addCustomer(), note: 'x'.repeat(4000) });
    const res = await post(path, d).expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await recorded(d.webhookId)).toBe(0);
  });

  test('when the body is signed JSON but an array, then 400 and nothing is stored', async () => {
    const text = '[1,2]';
    const d = { ...sender.build('customers/update', {}), body: text, signature: sender.sign(text) };
    const res = await post(path, d).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(await recorded(d.webhookId)).toBe(0);
  });
});

test('when the lane answers, then the latency metric counts it under the route template', async () => {
  const answered = async (): Promise<number> => {
    const text = (await app.http.get('/metrics').expect(200)).text;
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_request_duration_seconds_count{') &&
          l.includes('method="POST",route="/api/shopify/webhooks/customers",status="2xx"'),
      );
    return Number(line?.split(' ').pop() ?? 0);
  };
  const before = await answered();
  await post(canonical, sender.build('customers/update', fake.addCustomer())).expect(200);
  expect(await answered()).toBe(before + 1);
});

test('when a webhook path is asked with another method, then express answers 404', async () => {
  const res = await app.http.get(canonical).expect(404);
  expect(res.body.error.code).toBe('route_not_found');
});
