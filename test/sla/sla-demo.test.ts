import { seedDemo } from '../../src/modules/demo/demo-seed';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

test('when the demo is seeded, then every priority has a policy and the demo tickets run SLA clocks', async () => {
  expect(await seedDemo(app.container)).toBe('seeded');
  const policies = await app.container.services.sla.listPolicies();
  expect(policies.map((p) => p.priority)).toEqual(['urgent', 'high', 'normal', 'low']);
  expect(policies.find((p) => p.priority === 'normal')?.businessHours?.timezone).toBe('UTC');
  const [{ tracked, total }] = await app.container.db.query(
    `SELECT count(s.ticket_id)::int AS tracked, count(*)::int AS total FROM tickets t LEFT JOIN ticket_slas s ON s.ticket_id = t.id`,
  );
  expect(tracked).toBe(total);
  // The urgent demo ticket was created hours ago with a 30-minute first-response target.
  const result = await app.container.services.slaMonitor.tick();
  expect(result.breaches).toBeGreaterThan(0);
});
