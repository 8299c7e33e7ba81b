import { FakeShopify } from '../fakes/shopify/fake-shopify';
import { ShopifyWebhookSender } from '../fakes/shopify/webhook-sender';
import { startTestApp, type TestApp } from '../setup/test-app';

export const webhookSecret = 'shpss_test_client_secret_0123456789';

export function shopifyEnv(fake: FakeShopify, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    SHOPIFY_SHOP: fake.shop,
    SHOPIFY_ACCESS_TOKEN: fake.accessToken,
    SHOPIFY_WEBHOOK_SECRET: webhookSecret,
    SHOPIFY_API_BASE_URL: fake.url,
    SHOPIFY_MAX_RETRIES: '3',
    SHOPIFY_TIMEOUT_MS: '5000',
    SHOPIFY_ORDERS_TIMEOUT_MS: '1000',
    ...extra,
  };
}

export async function startShopifyApp(
  fake: FakeShopify,
  opts: { env?: NodeJS.ProcessEnv; share?: TestApp } = {},
): Promise<TestApp> {
  return startTestApp({ env: shopifyEnv(fake, opts.env), share: opts.share });
}

function senderFor(app: TestApp, fake: FakeShopify): ShopifyWebhookSender {
  return new ShopifyWebhookSender({ baseUrl: app.url, secret: webhookSecret, shopDomain: fake.shop });
}

export interface ShopifyFixture {
  fake: FakeShopify;
  app: TestApp;
  /** Signs deliveries as the fake store does. */
  sender: ShopifyWebhookSender;
  stop(): Promise<void>;
}

/** A running fake store and an app configured for it (with its worker unless told otherwise). */
export async function startShopifyFixture(
  opts: { env?: NodeJS.ProcessEnv; worker?: boolean } = {},
): Promise<ShopifyFixture> {
  const fake = new FakeShopify();
  await fake.start();
  const app = await startShopifyApp(fake, { env: opts.env });
  if (opts.worker ?? true) app.startWorker();
  return {
    fake,
    app,
    sender: senderFor(app, fake),
    stop: async () => {
      await app.stop();
      await fake.stop();
    },
  };
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 15000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until every recorded delivery was processed (or failed) and listeners are done. */
export async function settle(app: TestApp, timeoutMs?: number): Promise<void> {
  await waitFor(
    'webhook deliveries to be processed',
    async () => {
      const rows: Array<{ n: number }> = await app.container.db.query(
        `SELECT count(*)::int AS n FROM shopify_webhook_deliveries WHERE status = 'received'`,
      );
      return rows[0]?.n === 0;
    },
    timeoutMs,
  );
  await app.container.events.drain();
}

export interface CustomerRow {
  id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  shopify_customer_id: string | null;
  shopify_updated_at: Date | null;
}

export async function customersWhere(app: TestApp, where: string, params: unknown[]): Promise<CustomerRow[]> {
  return app.container.db.query(
    `SELECT id, email, name, phone, shopify_customer_id, shopify_updated_at FROM customers WHERE ${where}`,
    params,
  );
}

export async function waitForJob(app: TestApp, auth: Record<string, string>, jobId: string) {
  return waitFor(
    `job ${jobId} to finish`,
    async () => {
      const res = await app.http.get(`/api/jobs/${jobId}`).set(auth);
      const body = res.body as { state: string };
      return body.state === 'completed' || body.state === 'failed'
        ? (res.body as Record<string, unknown>)
        : null;
    },
    30000,
  );
}
