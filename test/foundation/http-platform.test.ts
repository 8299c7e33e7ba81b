import { createAgent, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
let admin: AgentWithToken;
let agent: AgentWithToken;

beforeAll(async () => {
  app = await startTestApp({ env: { BODY_LIMIT: '2kb' } });
  admin = await createAgent(app.container, { role: 'admin' });
  agent = await createAgent(app.container, { role: 'agent' });
});
afterAll(async () => {
  await app.stop();
});

test('when a caller sends X-Request-Id, then it is echoed; otherwise one is made, and errors carry it', async () => {
  const echoed = await app.http.get('/healthz').set('X-Request-Id', 'abc-123').expect(200);
  expect(echoed.headers['x-request-id']).toBe('abc-123');
  const made = await app.http.get('/api/nothing-here').set(agent.auth).expect(404);
  expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(made.body.error).toMatchObject({ code: 'route_not_found', requestId: made.headers['x-request-id'] });
});

test('when the body is not JSON, then 415', async () => {
  const res = await app.http
    .post('/api/customers')
    .set(agent.auth)
    .set('Content-Type', 'text/plain')
    .send('email=a@b.c')
    .expect(415);
  expect(res.body.error.code).toBe('unsupported_media_type');
});

test('when the JSON is malformed, then 400 invalid_json', async () => {
  const res = await app.http
    .post('/api/customers')
    .set(agent.auth)
    .set('Content-Type', 'application/json')
    .send('{"email": ')
    .expect(400);
  expect(res.body.error.code).toBe('invalid_json');
});

test('when the body is larger than the limit, then 413 and nothing is written', async () => {
  const res = await app.http
    .post('/api/customers')
    .set(agent.auth)
    .send({ email: 'big@example.com', name: 'x'.repeat(4000) })
    .expect(413);
  expect(res.body.error.code).toBe('payload_too_large');
  const rows = await app.container.db.query(`SELECT 1 FROM customers WHERE email = 'big@example.com'`);
  expect(rows).toHaveLength(0);
});

test('when an error is unexpected, then the 500 body carries no stack trace', async () => {
  const failing = {
    afterCreate: async () => {
      throw new Error('secret internals /work/main/src');
    },
  };
  app.container.ticketHooks.onWrite(failing);
  try {
    const res = await app.http
      .post('/api/tickets')
      .set(agent.auth)
      .send({ subject: 's', customer: { email: 'e500@example.com' } })
      .expect(500);
    expect(JSON.stringify(res.body)).not.toMatch(/secret internals|\.ts|at /);
  } finally {
    app.container.ticketHooks.write.pop();
  }
});

test('when the OpenAPI document is read, then it describes every declared route with its security', async () => {
  const res = await app.http.get('/openapi.json').expect(200);
  expect(res.body.openapi).toMatch(/^3\./);
  for (const route of app.container.routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const op = res.body.paths[path]?.[route.method];
    expect({ route: `${route.method} ${path}`, documented: Boolean(op) }).toEqual({
      route: `${route.method} ${path}`,
      documented: true,
    });
    if (route.roles !== 'public') expect(op.security).toEqual([{ bearer: [] }]);
  }
  expect(res.body.components.schemas.Ticket.properties).toHaveProperty('number');
  const docs = await app.http.get('/docs/').expect(200);
  expect(docs.text).toContain('swagger');
});

test('when metrics are scraped, then request latency is there by route template', async () => {
  await app.http.get('/api/auth/me').set(agent.auth).expect(200);
  const res = await app.http.get('/metrics').expect(200);
  expect(res.text).toContain('http_request_duration_seconds_bucket');
  expect(res.text).toContain('route="/api/auth/me"');
});

test('when the queue dashboard is opened, then only admins get in (header or ?token= then cookie)', async () => {
  await app.http.get('/admin/queues').expect(401);
  await app.http.get('/admin/queues').set(agent.auth).expect(403);
  await app.http.get('/admin/queues').set(admin.auth).expect(200);
  const viaQuery = await app.http.get(`/admin/queues?token=${admin.token}`).expect(200);
  expect(String(viaQuery.headers['set-cookie'])).toContain('crm_admin_token=');
});

describe('readiness', () => {
  let doomed: TestApp;
  beforeAll(async () => {
    doomed = await startTestApp();
  });
  afterAll(async () => {
    await doomed.stop();
  });

  test('when Redis goes away, then /readyz answers 503 naming it while /healthz stays 200', async () => {
    await doomed.http.get('/readyz').expect(200);
    doomed.container.redis.disconnect();
    const res = await doomed.http.get('/readyz').expect(503);
    expect(res.body.checks.postgres).toBe('ok');
    expect(res.body.checks.redis).not.toBe('ok');
    await doomed.http.get('/healthz').expect(200);
  });
});
