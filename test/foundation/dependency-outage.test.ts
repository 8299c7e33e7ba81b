import type { Response } from 'supertest';
import { createAgent, type AgentWithToken } from '../factories';
import { FakeShopify } from '../fakes/shopify/fake-shopify';
import { ShopifyWebhookSender } from '../fakes/shopify/webhook-sender';
import { TcpProxy } from '../fakes/tcp-proxy';
import { createTestDatabase, startTestApp, type TestApp } from '../setup/test-app';
import { dbUrl, testEnv } from '../setup/test-env';
import { customersWhere, settle, shopifyEnv, webhookSecret } from '../shopify/helpers';

/**
 * Postgres or Redis going away under a running API, through a proxy the test takes down:
 * requests fail fast with 503 and Retry-After (API.md: 503 when a dependency is down; not a
 * 500, not a hang), and the API serves again as soon as the dependency is back.
 */

const through = (proxy: TcpProxy, url: string) => {
  const u = new URL(url);
  u.host = `127.0.0.1:${proxy.port}`;
  return u.toString();
};
const proxyFor = (url: string) => {
  const u = new URL(url);
  return new TcpProxy(u.hostname, Number(u.port));
};

const listTickets = async (app: TestApp, agent: AgentWithToken) => {
  const started = Date.now();
  const res = await app.http.get('/api/tickets').set(agent.auth);
  return { res, ms: Date.now() - started };
};

const expectUnavailable = (res: Response, code: string, message: string) => {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('5');
  expect(res.body.error).toEqual({ code, message, details: [], requestId: expect.any(String) });
};

describe('Postgres out of reach', () => {
  const proxy = proxyFor(testEnv.pgAdminUrl);
  let app: TestApp;
  let agent: AgentWithToken;
  const down = async () => {
    const { res, ms } = await listTickets(app, agent);
    expectUnavailable(res, 'database_unavailable', 'The database is unavailable; retry shortly');
    return ms;
  };

  beforeAll(async () => {
    await proxy.start();
    const url = through(proxy, dbUrl(await createTestDatabase()));
    app = await startTestApp({ env: { DATABASE_URL: url, DB_CONNECT_TIMEOUT_MS: '3000' } });
    agent = await createAgent(app.container, { role: 'agent' });
  });
  afterAll(async () => {
    await proxy.up();
    await app.stop();
    await proxy.stop();
  });

  test('when Postgres refuses connections, then requests answer 503 database_unavailable at once, and 200 once it is back', async () => {
    expect((await listTickets(app, agent)).res.status).toBe(200);
    await proxy.refuse();
    // Well within the 3 s connect timeout: a refused connection fails at once.
    expect(await down()).toBeLessThan(2_000);
    await proxy.up();
    expect((await listTickets(app, agent)).res.status).toBe(200);
  });

  test('when Postgres cannot be reached at all, then requests answer 503 within the connect timeout instead of hanging', async () => {
    expect((await listTickets(app, agent)).res.status).toBe(200);
    proxy.blackhole();
    // DB_CONNECT_TIMEOUT_MS is 3 s here; without it the request waited for the OS (minutes).
    expect(await down()).toBeLessThan(6_000);
    await proxy.up();
    expect((await listTickets(app, agent)).res.status).toBe(200);
  });

  test('the OpenAPI document gives every route its 503', async () => {
    const doc = (await app.http.get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((op) => !op.responses['503'])).toEqual([]);
  });
});

describe('Redis out of reach', () => {
  const proxy = proxyFor(testEnv.redisUrl);
  const shopify = new FakeShopify();
  let app: TestApp;
  let agent: AgentWithToken;

  beforeAll(async () => {
    await proxy.start();
    await shopify.start();
    app = await startTestApp({
      env: { REDIS_URL: through(proxy, testEnv.redisUrl), ...shopifyEnv(shopify) },
    });
    agent = await createAgent(app.container, { role: 'agent' });
  });
  afterAll(async () => {
    await proxy.up();
    await app.stop();
    await shopify.stop();
    await proxy.stop();
  });

  test('when Redis is down, then requests answer 503 redis_unavailable within seconds, and 200 once it is back', async () => {
    expect((await listTickets(app, agent)).res.status).toBe(200);
    await proxy.refuse();
    const { res, ms } = await listTickets(app, agent);
    expectUnavailable(res, 'redis_unavailable', 'Redis is unavailable; retry shortly');
    expect(ms).toBeLessThan(5_000);
    await proxy.up();
    // ioredis reconnects on its own (backing off up to 2 s between attempts).
    const back = async (): Promise<number> => {
      for (let i = 0; i < 50; i++) {
        const { res: r } = await listTickets(app, agent);
        if (r.status === 200) return r.status;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return 0;
    };
    expect(await back()).toBe(200);
  });

  test('when Redis is down, then Shopify deliveries are still acknowledged and recorded, and applied once it is back', async () => {
    const sender = new ShopifyWebhookSender({
      baseUrl: app.url,
      secret: webhookSecret,
      shopDomain: shopify.shop,
    });
    app.startWorker();
    await proxy.refuse();
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        sender.deliver('customers/create', {
          id: 5_100_000 + n,
          email: `outage-${n}@example.com`,
          first_name: 'Outage',
          last_name: String(n),
          updated_at: new Date().toISOString(),
        }),
      ),
    );
    // The acknowledgement needs Postgres only: the queue add waits for Redis without holding it.
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const recorded: Array<{ n: number }> = await app.container.db.query(
      `SELECT count(*)::int AS n FROM shopify_webhook_deliveries WHERE status = 'received'`,
    );
    expect(recorded[0]?.n).toBe(3);

    await proxy.up();
    await settle(app, 30_000);
    const customers = await customersWhere(app, `email LIKE 'outage-%'`, []);
    expect(customers.map((c) => c.name).sort()).toEqual(['Outage 1', 'Outage 2', 'Outage 3']);
  });
});
