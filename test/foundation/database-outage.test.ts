import { createAgent, type AgentWithToken } from '../factories';
import { TcpProxy } from '../fakes/tcp-proxy';
import { createTestDatabase, startTestApp, type TestApp } from '../setup/test-app';
import { dbUrl, testEnv } from '../setup/test-env';

/**
 * Postgres going away under a running API, through a proxy the test takes down: requests fail
 * fast with 503 database_unavailable and Retry-After (not a 500, not a hang), and the API is back
 * as soon as Postgres is.
 */

const pg = new URL(testEnv.pgAdminUrl);
const proxy = new TcpProxy(pg.hostname, Number(pg.port || 5432));
let app: TestApp;
let agent: AgentWithToken;

beforeAll(async () => {
  await proxy.start();
  const url = new URL(dbUrl(await createTestDatabase()));
  url.host = `127.0.0.1:${proxy.port}`;
  app = await startTestApp({ env: { DATABASE_URL: url.toString(), DB_CONNECT_TIMEOUT_MS: '1000' } });
  agent = await createAgent(app.container, { role: 'agent' });
});
afterAll(async () => {
  await proxy.up();
  await app.stop();
  await proxy.stop();
});

const listTickets = async () => {
  const started = Date.now();
  const res = await app.http.get('/api/tickets').set(agent.auth);
  return { res, ms: Date.now() - started };
};

const expectUnavailable = (res: Awaited<ReturnType<typeof listTickets>>['res']) => {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('5');
  expect(res.body.error).toEqual({
    code: 'database_unavailable',
    message: 'The database is unavailable; retry shortly',
    details: [],
    requestId: expect.any(String),
  });
};

test('when Postgres refuses connections, then requests answer 503 database_unavailable at once, and 200 once it is back', async () => {
  expect((await listTickets()).res.status).toBe(200);

  await proxy.refuse();
  const down = await listTickets();
  expectUnavailable(down.res);
  expect(down.ms).toBeLessThan(1_000);

  await proxy.up();
  expect((await listTickets()).res.status).toBe(200);
});

test('when Postgres cannot be reached at all, then requests answer 503 within the connect timeout instead of hanging', async () => {
  expect((await listTickets()).res.status).toBe(200);

  proxy.blackhole();
  const down = await listTickets();
  expectUnavailable(down.res);
  // DB_CONNECT_TIMEOUT_MS is 1 s here; without it the request waited for the OS (minutes).
  expect(down.ms).toBeLessThan(3_000);

  await proxy.up();
  expect((await listTickets()).res.status).toBe(200);
});

test('the OpenAPI document gives every route its 503', async () => {
  const doc = (await app.http.get('/openapi.json').expect(200)).body as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
  expect(operations.length).toBeGreaterThan(40);
  expect(operations.filter((op) => !op.responses['503'])).toEqual([]);
});
