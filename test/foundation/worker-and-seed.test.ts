import { seedDemo } from '../../src/modules/demo/demo-seed';
import { createAgent } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

test('when a declared job has no handler, then the worker refuses to start and names it', () => {
  const { 'auth.prune-refresh-tokens': _dropped, ...incomplete } = app.container.jobHandlers;
  expect(() => app.container.queues.process(incomplete)).toThrow(/auth\.prune-refresh-tokens/);
});

test('when a job is queued, then the worker runs its handler and GET /api/jobs/:id reports it to its requester only', async () => {
  const admin = await createAgent(app.container, { role: 'admin' });
  const agent = await createAgent(app.container, { role: 'agent' });
  await app.container.db.query(
    `INSERT INTO refresh_tokens (id, family_id, agent_id, token_hash, expires_at) VALUES (gen_random_uuid(), gen_random_uuid(), $1, 'x', now() - interval '3 days')`,
    [agent.agent.id],
  );
  app.startWorker();
  const jobId = await app.container.services.jobs.start('auth.prune-refresh-tokens', {
    requesterId: admin.agent.id,
  } as never);
  let body: { state: string; result?: { deleted: number } } = { state: 'waiting' };
  for (let i = 0; i < 50 && body.state !== 'completed'; i++) {
    body = (await app.http.get(`/api/jobs/${jobId}`).set(admin.auth).expect(200)).body;
    if (body.state !== 'completed') await new Promise((r) => setTimeout(r, 100));
  }
  expect(body).toMatchObject({ state: 'completed', result: { deleted: 1 } });
  await app.http.get(`/api/jobs/${jobId}`).set(agent.auth).expect(404);
  await app.http.get(`/api/jobs/nope:1`).set(admin.auth).expect(404);
  await app.http.get(`/api/jobs/bad id`).set(admin.auth).expect(400);
});

test('when the demo is seeded on an empty database, then every role can log in and a second seed is skipped', async () => {
  const fresh = await startTestApp();
  try {
    expect(await seedDemo(fresh.container)).toBe('seeded');
    expect(await seedDemo(fresh.container)).toBe('skipped');
    for (const email of ['admin@demo.test', 'lead@demo.test', 'alice@demo.test', 'viewer@demo.test']) {
      await fresh.http.post('/api/auth/login').send({ email, password: 'demo-password-1' }).expect(200);
    }
    const [{ n }] = await fresh.container.db.query(`SELECT count(*)::int AS n FROM tickets`);
    expect(n).toBeGreaterThanOrEqual(10);
  } finally {
    await fresh.stop();
  }
});
