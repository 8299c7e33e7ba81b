import pino from 'pino';
import { AckPressure, type StormSettings } from '../../src/modules/integrations/shopify/ack-pressure';
import { createRedis, RedisKeys, type Redis } from '../../src/platform/redis/redis';
import { testRedisPrefix } from '../setup/test-app';
import { testEnv } from '../setup/test-env';
import { settle, startShopifyFixture, waitFor, type ShopifyFixture } from './helpers';

const logger = pino({ level: 'silent' });
const storm: StormSettings = { acksPerSecond: 10, processingPercent: 25 };

describe('acknowledgements first: the worker yields to a storm of webhook deliveries', () => {
  let redis: Redis;
  let keys: RedisKeys;
  /** A clock both "processes" share, moved by hand. */
  let clock: number;
  let rests: number[];
  let api: AckPressure;
  let worker: AckPressure;

  beforeAll(() => {
    redis = createRedis(testEnv.redisUrl);
  });
  afterAll(() => redis.quit());

  beforeEach(() => {
    keys = new RedisKeys(testRedisPrefix());
    clock = Date.UTC(2026, 11, 6, 12, 0, 0, 100);
    rests = [];
    const now = () => clock;
    api = new AckPressure(redis, keys, storm, logger, { now });
    worker = new AckPressure(redis, keys, storm, logger, {
      now,
      sleep: async (ms) => {
        rests.push(ms);
        clock += ms;
      },
    });
  });
  afterEach(() => api.close());

  async function acknowledge(n: number): Promise<void> {
    for (let i = 0; i < n; i++) api.acknowledged();
    await api.flush();
  }

  /** A job that is busy `ms` (on the shared clock) and logs when it starts and ends. */
  const job = (name: string, ms: number, log: string[]) => async () => {
    log.push(`${name} start`);
    await new Promise((r) => setImmediate(r));
    clock += ms;
    log.push(`${name} end`);
    return name;
  };

  test('when the last full second held a storm, jobs run one at a time, each followed by a rest', async () => {
    await acknowledge(storm.acksPerSecond);
    clock += 1000; // that second is now the last full one

    const log: string[] = [];
    const results = await Promise.all([worker.paced(job('a', 30, log)), worker.paced(job('b', 20, log))]);

    expect(results).toEqual(['a', 'b']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
    // 25 % of the time working: 30 ms busy → 90 ms resting.
    expect(rests).toEqual([90, 60]);
  });

  test('below the threshold, or once the storm second is past, jobs run side by side without resting', async () => {
    await acknowledge(storm.acksPerSecond - 1);
    clock += 1000;
    const log: string[] = [];
    await Promise.all([worker.paced(job('a', 30, log)), worker.paced(job('b', 20, log))]);
    expect(log).toEqual(['a start', 'b start', 'a end', 'b end']);

    await acknowledge(storm.acksPerSecond);
    clock += 2000; // two seconds later the storm is over
    await worker.paced(job('c', 30, log));
    expect(rests).toEqual([]);
  });

  test('a long job rests at most a second (a stopping worker waits for it)', async () => {
    await acknowledge(50);
    clock += 1000;
    await worker.paced(job('slow', 5000, []));
    expect(rests).toEqual([1000]);
  });

  test('when the worker stops, a resting job ends at once and the next ones do not rest', async () => {
    await acknowledge(50);
    clock += 1000;
    const never = new AckPressure(redis, keys, storm, logger, {
      now: () => clock,
      sleep: () => new Promise(() => undefined),
    });
    const log: string[] = [];
    const first = never.paced(job('a', 30, log));
    const second = never.paced(job('b', 30, log));
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual(['a start', 'a end']); // a rests (for ever, on this clock); b waits its turn
    await never.close();
    await expect(Promise.all([first, second])).resolves.toEqual(['a', 'b']);
  });

  test('every acknowledging process adds to the same second', async () => {
    const second = new AckPressure(redis, keys, storm, logger, { now: () => clock });
    for (let i = 0; i < 4; i++) second.acknowledged();
    await second.close();
    await acknowledge(6);
    clock += 1000;
    expect(await worker.inStorm()).toBe(true);
  });

  test('turned off (100 %, or no threshold), nothing is counted and nothing rests', async () => {
    for (const off of [
      { acksPerSecond: 10, processingPercent: 100 },
      { acksPerSecond: 0, processingPercent: 25 },
    ]) {
      const offKeys = new RedisKeys(testRedisPrefix());
      const offApi = new AckPressure(redis, offKeys, off, logger, { now: () => clock });
      for (let i = 0; i < 100; i++) offApi.acknowledged();
      await offApi.close();
      expect(await redis.keys(`${offKeys.prefix}:*`)).toEqual([]);
      const offWorker = new AckPressure(redis, offKeys, off, logger, { now: () => clock + 1000 });
      expect(await offWorker.inStorm()).toBe(false);
    }
  });

  test('with Redis out of reach, acknowledging goes on and the worker does not rest', async () => {
    const down = createRedis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    try {
      const downApi = new AckPressure(down, keys, storm, logger, { now: () => clock });
      for (let i = 0; i < 20; i++) downApi.acknowledged();
      await expect(downApi.close()).resolves.toBeUndefined();
      const downWorker = new AckPressure(down, keys, storm, logger, {
        now: () => clock + 1000,
        sleep: async (ms) => void rests.push(ms),
      });
      await expect(downWorker.paced(async () => 'done')).resolves.toBe('done');
      expect(rests).toEqual([]);
    } finally {
      down.disconnect();
    }
  });
});

describe('the API counts its acknowledgements for the worker', () => {
  let f: ShopifyFixture;
  beforeAll(async () => {
    // A threshold this test's deliveries reach: the worker applies them in storm mode.
    f = await startShopifyFixture({
      env: { SHOPIFY_STORM_ACKS_PER_SECOND: '5', SHOPIFY_STORM_PROCESSING_PERCENT: '10' },
    });
  });
  afterAll(() => f.stop());

  test('when a storm is on, then the worker rests between jobs, and every delivery is still applied', async () => {
    const shopper = (i: number) => ({
      id: 7_700_000 + i,
      email: `storm-${i}@example.com`,
      updated_at: new Date(Date.UTC(2026, 11, 6, 12, 0, i)).toISOString(),
    });
    const { redis, keys } = f.app.container;
    const counted = async () => {
      const buckets = await redis.keys(keys.key('shopify', 'acks-per-second', '*'));
      const counts = buckets.length > 0 ? await redis.mget(...buckets) : [];
      return counts.reduce((sum, c) => sum + Number(c ?? 0), 0);
    };

    // A first wave makes a storm second; the second wave, a second later, is applied during it.
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, i) => f.sender.deliver('customers/create', shopper(i))),
    );
    await waitFor('the first wave to be counted', async () => (await counted()) === 20);
    // Into the next second, past the worker's 250 ms memory of what it read during the first wave.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 300));
    const second = await Promise.all(
      Array.from({ length: 20 }, (_, i) => f.sender.deliver('customers/create', shopper(20 + i))),
    );
    expect([...first, ...second].every((a) => a.status === 200)).toBe(true);
    await waitFor('the second wave to be counted', async () => (await counted()) === 40);

    await settle(f.app);
    // The rest follows a job's work (its deliveries are done before it starts).
    const rested = await waitFor('the worker to rest', async () => {
      const metrics = (await f.app.http.get('/metrics').expect(200)).text;
      const seconds = Number(
        /^shopify_webhook_storm_rest_seconds_total(?:{[^}]*})? (\S+)$/m.exec(metrics)?.[1],
      );
      return seconds > 0 ? seconds : null;
    });
    expect(Number(rested)).toBeGreaterThan(0);
    const rows: Array<{ n: number }> = await f.app.container.db.query(
      `SELECT count(*)::int AS n FROM customers WHERE shopify_customer_id = ANY($1::text[])`,
      [Array.from({ length: 40 }, (_, i) => String(shopper(i).id))],
    );
    expect(rows[0]?.n).toBe(40);
  });
});
