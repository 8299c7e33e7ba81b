import { createAgent, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
let lead: AgentWithToken;
let admin: AgentWithToken;
let viewer: AgentWithToken;

beforeAll(async () => {
  app = await startTestApp({ env: { AUTO_ASSIGN: 'off' } });
  lead = await createAgent(app.container, { role: 'lead' });
  admin = await createAgent(app.container, { role: 'admin' });
  viewer = await createAgent(app.container, { role: 'viewer' });
});
afterAll(async () => {
  await app.stop();
});

const ids = (body: { data: Array<{ id: string }> }) => body.data.map((t) => t.id);

async function assigned(
  agent: AgentWithToken,
  priority: 'low' | 'normal' | 'high' | 'urgent',
  status?: string,
) {
  const t = await createTicket(app.container, { priority });
  await app.http
    .post(`/api/tickets/${t.id}/assign`)
    .set(lead.auth)
    .send({ agentId: agent.agent.id })
    .expect(200);
  if (status) await app.http.patch(`/api/tickets/${t.id}`).set(lead.auth).send({ status }).expect(200);
  return t;
}

describe("an agent's queue", () => {
  test('when an agent reads their queue, then it holds their open tickets in smart order with workload', async () => {
    const agent = await createAgent(app.container, { maxConcurrentTickets: 4 });
    const other = await createAgent(app.container);
    const normal = await assigned(agent, 'normal');
    const urgent = await assigned(agent, 'urgent');
    const onHold = await assigned(agent, 'high', 'on_hold');
    await assigned(agent, 'urgent', 'pending');
    await assigned(agent, 'urgent', 'solved');
    await assigned(other, 'urgent');

    const res = await app.http.get(`/api/agents/${agent.agent.id}/queue`).set(agent.auth).expect(200);

    expect(ids(res.body)).toEqual([urgent.id, onHold.id, normal.id]);
    expect(res.body.workload).toEqual({ open: 3, capacity: 4 });
    expect(res.body.nextCursor).toBeNull();
    for (const t of res.body.data) {
      expect(t).toHaveProperty('sla');
      expect(t.assigneeId).toBe(agent.agent.id);
    }
  });

  test('when the queue is read, then its order is exactly the tickets list smart order (it reuses it)', async () => {
    const agent = await createAgent(app.container, { maxConcurrentTickets: 10 });
    for (const p of ['low', 'urgent', 'normal', 'high', 'urgent', 'normal'] as const)
      await assigned(agent, p);

    const queue = await app.http.get(`/api/agents/${agent.agent.id}/queue`).set(agent.auth).expect(200);
    const list = await app.http
      .get(`/api/tickets?assigneeId=${agent.agent.id}&status=new,open,on_hold&sort=smart`)
      .set(agent.auth)
      .expect(200);

    expect(ids(queue.body)).toEqual(ids(list.body));
    expect(queue.body.data).toHaveLength(6);
  });

  test('when the queue is long, then it pages with the cursor', async () => {
    const agent = await createAgent(app.container, { maxConcurrentTickets: 10 });
    for (let i = 0; i < 5; i += 1) await assigned(agent, 'normal');

    const first = await app.http
      .get(`/api/agents/${agent.agent.id}/queue?limit=3`)
      .set(agent.auth)
      .expect(200);
    const second = await app.http
      .get(`/api/agents/${agent.agent.id}/queue?limit=3&cursor=${first.body.nextCursor}`)
      .set(agent.auth)
      .expect(200);

    expect(first.body.data).toHaveLength(3);
    expect(second.body.data).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...ids(first.body), ...ids(second.body)]).size).toBe(5);
    expect(second.body.workload).toEqual({ open: 5, capacity: 10 });
  });

  test('when asked for pending tickets, then the queue shows those instead', async () => {
    const agent = await createAgent(app.container);
    await assigned(agent, 'normal');
    const waiting = await assigned(agent, 'normal', 'pending');

    const res = await app.http
      .get(`/api/agents/${agent.agent.id}/queue?status=pending`)
      .set(agent.auth)
      .expect(200);

    expect(ids(res.body)).toEqual([waiting.id]);
    expect(res.body.workload.open).toBe(1);
    await app.http.get(`/api/agents/${agent.agent.id}/queue?status=solved`).set(agent.auth).expect(400);
  });

  test("when an agent reads someone else's queue, then 403; leads and admins read anyone's; viewers none", async () => {
    const agent = await createAgent(app.container);
    const other = await createAgent(app.container);
    await assigned(other, 'high');

    const denied = await app.http.get(`/api/agents/${other.agent.id}/queue`).set(agent.auth).expect(403);
    expect(denied.body.error.code).toBe('not_your_queue');
    const byLead = await app.http.get(`/api/agents/${other.agent.id}/queue`).set(lead.auth).expect(200);
    expect(byLead.body.data).toHaveLength(1);
    await app.http.get(`/api/agents/${other.agent.id}/queue`).set(admin.auth).expect(200);
    await app.http.get(`/api/agents/${other.agent.id}/queue`).set(viewer.auth).expect(403);
    await app.http.get(`/api/agents/${viewer.agent.id}/queue`).set(viewer.auth).expect(403);
    await app.http.get('/api/agents/4b0d2c2e-8a51-4d1b-9a52-9c1f0e0c0a11/queue').set(lead.auth).expect(404);
    await app.http.get('/api/agents/nope/queue').set(lead.auth).expect(400);
    await app.http.get(`/api/agents/${other.agent.id}/queue`).expect(401);
  });
});

describe('the unassigned queue', () => {
  test('when read, then it lists only unassigned open tickets in smart order', async () => {
    const agent = await createAgent(app.container);
    const before = await app.http.get('/api/tickets/unassigned?limit=100').set(viewer.auth).expect(200);
    const known = new Set(ids(before.body));
    const low = await createTicket(app.container, { priority: 'low' });
    const urgent = await createTicket(app.container, { priority: 'urgent' });
    const high = await createTicket(app.container, { priority: 'high' });
    const pending = await createTicket(app.container, { priority: 'urgent' });
    await app.http.patch(`/api/tickets/${pending.id}`).set(lead.auth).send({ status: 'pending' }).expect(200);
    await assigned(agent, 'urgent');

    const res = await app.http.get('/api/tickets/unassigned?limit=100').set(viewer.auth).expect(200);

    const fresh = ids(res.body).filter((id) => !known.has(id));
    expect(fresh).toEqual([urgent.id, high.id, low.id]);
    expect(res.body.data.every((t: { assigneeId: string | null }) => t.assigneeId === null)).toBe(true);
    const list = await app.http
      .get('/api/tickets?assigneeId=none&status=new,open,on_hold&sort=smart&limit=100')
      .set(viewer.auth)
      .expect(200);
    expect(ids(res.body)).toEqual(ids(list.body));
  });

  test('when the cursor or limit is bad, then 400', async () => {
    await app.http.get('/api/tickets/unassigned?cursor=garbage').set(lead.auth).expect(400);
    await app.http.get('/api/tickets/unassigned?limit=1000').set(lead.auth).expect(400);
    await app.http.get('/api/tickets/unassigned').expect(401);
  });
});

test('when the API is described, then every assignment route is in the OpenAPI document', async () => {
  const doc = await app.http.get('/openapi.json').expect(200);
  const paths = doc.body.paths as Record<string, Record<string, unknown>>;
  expect(Object.keys(paths['/api/tickets/{id}/assign'] ?? {})).toContain('post');
  expect(Object.keys(paths['/api/tickets/{id}/auto-assign'] ?? {})).toContain('post');
  expect(Object.keys(paths['/api/tickets/{id}/transfer'] ?? {})).toContain('post');
  expect(Object.keys(paths['/api/tickets/{id}/accept'] ?? {})).toContain('post');
  expect(Object.keys(paths['/api/tickets/{id}/assignments'] ?? {})).toContain('get');
  expect(Object.keys(paths['/api/agents/{id}/queue'] ?? {})).toContain('get');
  expect(Object.keys(paths['/api/tickets/unassigned'] ?? {})).toContain('get');
});
