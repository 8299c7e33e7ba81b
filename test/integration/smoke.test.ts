import { createAgent, createTicket } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

test('when the app is up, then health, readiness and a ticket read work', async () => {
  await app.http.get('/healthz').expect(200);
  await app.http.get('/readyz').expect(200);
  const { auth } = await createAgent(app.container, { role: 'admin' });
  const ticket = await createTicket(app.container, { body: 'hello there' });
  const res = await app.http.get(`/api/tickets/${ticket.id}`).set(auth).expect(200);
  expect(res.body.number).toBe(ticket.number);
  expect(res.body.customer.id).toBe(ticket.customerId);
});
