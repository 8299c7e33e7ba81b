import { Client } from 'pg';
import { FakeShopify } from '../fakes/shopify/fake-shopify';
import { ShopifyWebhookSender } from '../fakes/shopify/webhook-sender';
import { freePort } from '../../bench/lib/processes';
import { spawnEntry, type SpawnedProcess } from '../setup/spawn';
import { baseTestEnv, createTestDatabase, testRedisPrefix, type TestApp } from '../setup/test-app';
import { dbUrl } from '../setup/test-env';
import { customersWhere, settle, shopifyEnv, startShopifyApp, waitFor, webhookSecret } from './helpers';

/**
 * The real processes (src/main.ts, src/worker.ts in processes of their own) stopped with
 * SIGTERM in the middle of their work, as a deploy or a scale-down does: nothing acknowledged
 * or recorded may be lost, and each must exit by itself, cleanly.
 */

const exitedCleanly = async (p: SpawnedProcess) => {
  const { code, signal } = await p.exited;
  return { code, signal, output: code === 0 ? '' : p.output() };
};

describe('processes stopped in the middle of a webhook storm', () => {
  const fake = new FakeShopify();
  const spawned: SpawnedProcess[] = [];
  let app: TestApp | undefined;

  beforeAll(() => fake.start());
  afterAll(async () => {
    for (const p of spawned) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await app?.stop();
    await fake.stop();
  });

  it('the API records every delivery it acknowledged and exits cleanly on SIGTERM', async () => {
    const dbName = await createTestDatabase();
    const port = await freePort();
    const api = spawnEntry('src/main.ts', {
      ...baseTestEnv(dbName, testRedisPrefix()),
      ...shopifyEnv(fake),
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    spawned.push(api);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor(
      'the API to be ready',
      async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok === true,
      30_000,
    );

    const sender = new ShopifyWebhookSender({ baseUrl, secret: webhookSecret, shopDomain: fake.shop });
    const acknowledged: string[] = [];
    let refused = 0;
    let sentAfterSignal = 0;
    let signalled = false;
    let stopSending = false;
    const senderLoop = async (lane: number) => {
      for (let i = 0; !stopSending; i++) {
        const delivery = sender.build('customers/update', {
          id: 7_000_000 + lane * 100_000 + i,
          email: `storm-${lane}-${i}@example.com`,
          first_name: 'Storm',
          last_name: `${lane}-${i}`,
          updated_at: new Date().toISOString(),
        });
        if (signalled) sentAfterSignal++;
        const result = await sender.send(delivery).catch(() => null);
        if (result?.status === 200) acknowledged.push(delivery.webhookId);
        else {
          // Refused, reset or 503: not acknowledged, so Shopify would send it again.
          refused++;
          if (signalled) await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const lanes = Array.from({ length: 20 }, (_, lane) => senderLoop(lane));

    await waitFor('a storm under way', async () => acknowledged.length >= 300, 30_000);
    const beforeSignal = acknowledged.length;
    signalled = true;
    const signalledAt = Date.now();
    api.child.kill('SIGTERM');
    const exit = await exitedCleanly(api);
    const stoppedInMs = Date.now() - signalledAt;
    stopSending = true;
    await Promise.all(lanes);

    expect(exit).toEqual({ code: 0, signal: null, output: '' });
    // It stopped by itself, well within its own shutdown timeout, though senders never paused.
    expect(stoppedInMs).toBeLessThan(5_000);
    expect(sentAfterSignal).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);

    const db = new Client({ connectionString: dbUrl(dbName) });
    await db.connect();
    try {
      const { rows } = await db.query<{ webhook_id: string }>(
        `SELECT webhook_id FROM shopify_webhook_deliveries WHERE webhook_id = ANY($1::text[])`,
        [acknowledged],
      );
      // Those in flight when the signal came were answered too.
      expect(acknowledged.length).toBeGreaterThan(beforeSignal);
      expect(new Set(rows.map((r) => r.webhook_id))).toEqual(new Set(acknowledged));
    } finally {
      await db.end();
    }
  }, 90_000);

  it('the worker stopped mid-backlog exits cleanly, and the next one applies the rest once', async () => {
    // The API in this process, without a worker: it records a backlog of versions of 200 shoppers.
    const api = await startShopifyApp(fake);
    app = api;
    const sender = new ShopifyWebhookSender({
      baseUrl: api.url,
      secret: webhookSecret,
      shopDomain: fake.shop,
    });
    const shoppers = 200;
    const versions = 8;
    const start = Date.parse('2026-01-01T00:00:00Z');
    const payloadOf = (n: number) => {
      const shopper = n % shoppers;
      const version = Math.floor(n / shoppers);
      return {
        id: 6_000_000 + shopper,
        email: `backlog-${shopper}@example.com`,
        first_name: 'Backlog',
        last_name: `v${version}`,
        updated_at: new Date(start + version * 60_000).toISOString(),
      };
    };
    // Versions in a shuffled order: the newest must win whatever order they are applied in.
    const order = Array.from({ length: shoppers * versions }, (_, n) => n).sort(() => Math.random() - 0.5);
    for (let i = 0; i < order.length; i += 50) {
      const results = await Promise.all(
        order.slice(i, i + 50).map((n) => sender.deliver('customers/update', payloadOf(n))),
      );
      expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    }
    const countWhere = async (status: string) =>
      (
        (await api.container.db.query(
          `SELECT count(*)::int AS n FROM shopify_webhook_deliveries WHERE status = $1`,
          [status],
        )) as Array<{ n: number }>
      )[0]?.n ?? 0;

    const worker = spawnEntry('src/worker.ts', {
      ...baseTestEnv(new URL(api.config.db.url).pathname.slice(1), api.config.redis.prefix),
      ...shopifyEnv(fake),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    spawned.push(worker);
    await waitFor(
      'the worker to start on the backlog',
      async () => (await countWhere('processed')) > 0,
      30_000,
    );
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await exitedCleanly(worker)).toEqual({ code: 0, signal: null, output: '' });
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    // Stopped part way: some of the backlog is still waiting for the next worker.
    expect(await countWhere('received')).toBeGreaterThan(0);

    // The next worker takes the rest, including a job the stopped one may have fetched as it
    // stopped (unlocked on the way out, so bull's stalled check, every 5 s, hands it on).
    api.startWorker();
    await settle(api, 30_000);
    expect(await countWhere('processed')).toBe(shoppers * versions);
    const customers = await customersWhere(api, `email LIKE 'backlog-%'`, []);
    expect(customers).toHaveLength(shoppers);
    expect(new Set(customers.map((c) => c.name))).toEqual(new Set([`Backlog v${versions - 1}`]));
  }, 90_000);
});
