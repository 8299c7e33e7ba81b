import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Pool } from 'pg';
import { createBaselineServer } from '../../bench/baseline-server';
import { runLoad } from '../../bench/lib/load';
import { loadPools, scenarios, type HttpScenario, type Pools } from '../../bench/lib/scenarios';
import { benchUsers, checkSearchVectors, seedBenchDatabase } from '../../bench/lib/seed-data';
import { startTestApp, type TestApp } from '../setup/test-app';

/**
 * Keeps the benchmark harness from rotting: the same seeding code and scenario definitions as
 * `npm run bench:seed` / `npm run bench`, on a tiny data set, for one second each.
 */
describe('benchmark harness (smoke)', () => {
  let app: TestApp;
  let db: Pool;
  let pools: Pools;
  let token: string;
  let baseline: Server;
  const byId = (id: string) =>
    scenarios().find((s): s is HttpScenario => s.kind === 'http' && s.id === id) as HttpScenario;
  const load = (url: string, scenario: HttpScenario) =>
    runLoad(
      {
        url,
        connections: 4,
        duration: 1,
        warmup: 0,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requests: scenario.requests(pools),
      },
      process.pid,
    );

  beforeAll(async () => {
    app = await startTestApp();
    const seeded = await seedBenchDatabase({
      url: app.config.db.url,
      tickets: 400,
      customers: 60,
      agents: 14,
      batchSize: 150,
    });
    expect(seeded.skipped).toBe(false);
    expect(seeded.counts).toMatchObject({ tickets: 400, customers: 60, agents: 14 });
    db = new Pool({ connectionString: app.config.db.url, max: 2 });
    pools = await loadPools(db, 500);
    const res = await app.http
      .post('/api/auth/login')
      .send({ email: benchUsers.lead, password: benchUsers.password });
    expect(res.status).toBe(200);
    token = res.body.accessToken;
    baseline = createBaselineServer(db);
    await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    baseline?.closeAllConnections();
    await new Promise<void>((resolve) => (baseline ? baseline.close(() => resolve()) : resolve()));
    await db?.end();
    await app?.stop();
  });

  it('when the seed runs again with the same size, then it is a no-op and the search vectors equal the SQL', async () => {
    const sameSize = { url: app.config.db.url, tickets: 400, customers: 60, agents: 14 };
    const recordedMigrations = async (): Promise<string[]> =>
      (
        await db.query<{ migrations: string[] }>(
          `SELECT info->'migrations' AS migrations FROM bench.seed_info`,
        )
      ).rows[0]?.migrations ?? [];
    expect((await seedBenchDatabase(sameSize)).skipped).toBe(true);
    // A migration added after the load runs on the data; the data set is kept, not rebuilt.
    const all = await recordedMigrations();
    await db.query(`UPDATE bench.seed_info SET info = jsonb_set(info, '{migrations}', $1::jsonb)`, [
      JSON.stringify(all.slice(0, -1)),
    ]);
    expect((await seedBenchDatabase(sameSize)).skipped).toBe(true);
    expect(await recordedMigrations()).toEqual(all);
    const client = await db.connect();
    try {
      expect(await checkSearchVectors(client, 400)).toBe(0);
      const { rows } = await client.query<{ n: string; last: string }>(
        `SELECT count(*) FILTER (WHERE status = 'open') AS n, (SELECT last_value FROM ticket_number_seq) AS last FROM tickets`,
      );
      expect(Number(rows[0]?.n)).toBeGreaterThan(0);
      expect(Number(rows[0]?.last)).toBe(400);
    } finally {
      client.release();
    }
  });

  it('when the queue and the cursor walk run for a second, then every answer is a 2xx', async () => {
    for (const id of ['queue', 'list-walk']) {
      const result = await load(app.url, byId(id));
      expect(result.requests).toBeGreaterThan(0);
      expect({ id, non2xx: result.non2xx, errors: result.errors }).toEqual({ id, non2xx: 0, errors: 0 });
      expect(result.p95).toBeGreaterThan(0);
      expect(result.peakRssMb).toBeGreaterThan(0);
    }
  });

  it('when the baseline serves the create scenario, then it writes tickets with their first message', async () => {
    const url = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}`;
    const result = await load(url, byId('create'));
    expect(result.requests).toBeGreaterThan(0);
    expect(result.statuses).toEqual({ 201: result.requests });
    const after = await db.query<{ n: string; m: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id)) AS m
         FROM tickets t WHERE t.metadata->>'source' = 'bench'`,
    );
    // Requests still in flight when the second ends may commit without being counted.
    expect(Number(after.rows[0]?.n)).toBeGreaterThanOrEqual(result.requests);
    expect(after.rows[0]?.m).toBe(after.rows[0]?.n);
  });
});
