import { createAgent, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually, onlineAgent, recordEvents, setStatus, ticketsAssignedTo, workloadOf } from './helpers';

let app: TestApp;
let lead: AgentWithToken;

async function start(env: NodeJS.ProcessEnv = {}) {
  app = await startTestApp({ env: { AUTO_ASSIGN: 'on', ...env } });
  lead = await createAgent(app.container, { role: 'lead', maxConcurrentTickets: 0 });
  app.startWorker();
}
afterEach(async () => {
  await app.stop();
});

/** Waits until every event listener has run and the assignment queue has nothing left to do. */
async function quiet() {
  await eventually(
    async () => {
      await app.container.events.drain();
      const c = await app.container.queues.queue('assignment').getJobCounts();
      return c.waiting + c.active === 0;
    },
    { what: 'the assignment queue to be quiet' },
  );
}

const read = async (id: string) => (await app.http.get(`/api/tickets/${id}`).set(lead.auth).expect(200)).body;
const history = async (id: string) =>
  (await app.http.get(`/api/tickets/${id}/assignments`).set(lead.auth).expect(200)).body.data;
const assigneeBecomes = (id: string, agentId: string | null) =>
  eventually(async () => (await read(id)).assigneeId === agentId, { what: `ticket ${id} → ${agentId}` });

test('when a ticket is created and an agent is eligible, then a job assigns it automatically', async () => {
  await start();
  const agent = await onlineAgent(app.container);

  const created = await app.http
    .post('/api/tickets')
    .set(lead.auth)
    .send({ subject: 'Refund please', customer: { email: 'routing@example.com' } })
    .expect(201);

  await assigneeBecomes(created.body.id, agent.agent.id);
  expect(await history(created.body.id)).toEqual([
    expect.objectContaining({
      method: 'auto',
      reason: 'only_eligible',
      assignedBy: null,
      status: 'assigned',
    }),
  ]);
});

test('when an agent comes online and when capacity frees, then the backlog assigns the most urgent ticket first', async () => {
  await start();
  const agent = await createAgent(app.container, { maxConcurrentTickets: 1 }); // offline
  const older = await createTicket(app.container, { priority: 'normal' });
  const urgent = await createTicket(app.container, { priority: 'urgent' });
  const newer = await createTicket(app.container, { priority: 'normal' });
  await quiet();
  expect((await read(urgent.id)).assigneeId).toBeNull();

  await setStatus(app.container, agent.agent.id, 'online');

  await assigneeBecomes(urgent.id, agent.agent.id);
  await quiet();
  expect((await read(older.id)).assigneeId).toBeNull(); // capacity 1 holds

  await app.http.patch(`/api/tickets/${urgent.id}`).set(agent.auth).send({ status: 'solved' }).expect(200);

  await assigneeBecomes(older.id, agent.agent.id); // same priority: the oldest goes first
  await quiet();
  expect((await read(newer.id)).assigneeId).toBeNull();
  expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 1, counted: 1 });
});

test('when a ticket goes pending, then its slot frees and the backlog fills it', async () => {
  await start();
  const agent = await onlineAgent(app.container, { maxConcurrentTickets: 1 });
  const first = await createTicket(app.container);
  await assigneeBecomes(first.id, agent.agent.id);
  const waiting = await createTicket(app.container);
  await quiet();
  expect((await read(waiting.id)).assigneeId).toBeNull();

  await app.http.patch(`/api/tickets/${first.id}`).set(agent.auth).send({ status: 'pending' }).expect(200);

  await assigneeBecomes(waiting.id, agent.agent.id);
  expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 1, counted: 1 });
});

test('when a customer reopens a solved ticket and its agent is eligible, then it goes back to them', async () => {
  await start();
  const agent = await onlineAgent(app.container);
  const ticket = await createTicket(app.container);
  await assigneeBecomes(ticket.id, agent.agent.id);
  await app.http.patch(`/api/tickets/${ticket.id}`).set(agent.auth).send({ status: 'solved' }).expect(200);
  const idle = await onlineAgent(app.container); // less loaded, but not the previous agent
  await quiet();
  const assigned = recordEvents(app.container, 'ticket.assigned');

  await app.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(agent.auth)
    .send({ body: 'It broke again', author: 'customer' })
    .expect(201);
  await quiet();

  const t = await read(ticket.id);
  expect(t).toMatchObject({ status: 'open', assigneeId: agent.agent.id });
  expect(t.assigneeId).not.toBe(idle.agent.id);
  expect(
    (await history(ticket.id)).map((r: { method: string; status: string }) => [r.method, r.status]),
  ).toEqual([
    ['auto', 'completed'],
    ['reopen', 'assigned'],
  ]);
  expect(assigned).toEqual([expect.objectContaining({ ticketId: ticket.id, reason: 'previous_agent' })]);
  expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 1, counted: 1 });
});

test('when a customer reopens a ticket whose agent is away, then it is routed to someone eligible, or waits', async () => {
  await start();
  const agent = await onlineAgent(app.container);
  const ticket = await createTicket(app.container);
  await assigneeBecomes(ticket.id, agent.agent.id);
  await app.http.patch(`/api/tickets/${ticket.id}`).set(agent.auth).send({ status: 'solved' }).expect(200);
  await setStatus(app.container, agent.agent.id, 'away');
  const other = await onlineAgent(app.container);
  await quiet();

  await app.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(lead.auth)
    .send({ body: 'Still not fixed', author: 'customer' })
    .expect(201);

  await assigneeBecomes(ticket.id, other.agent.id);
  const rows = await history(ticket.id);
  expect(
    rows.map((r: { agentId: string; method: string; status: string }) => [r.agentId, r.method, r.status]),
  ).toEqual([
    [agent.agent.id, 'auto', 'completed'],
    [agent.agent.id, 'reopen', 'transferred'],
    [other.agent.id, 'auto', 'assigned'],
  ]);
  expect(rows[1]).toMatchObject({
    transferredTo: other.agent.id,
    transferReason: 'previous agent unavailable',
  });
  expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 0, counted: 0 });

  // Nobody eligible this time: it goes back to the unassigned queue.
  await app.http.patch(`/api/tickets/${ticket.id}`).set(lead.auth).send({ status: 'solved' }).expect(200);
  await setStatus(app.container, other.agent.id, 'offline');
  await quiet();
  await app.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(lead.auth)
    .send({ body: 'Hello?', author: 'customer' })
    .expect(201);
  await assigneeBecomes(ticket.id, null);
  const unassigned = await app.http.get('/api/tickets/unassigned').set(lead.auth).expect(200);
  expect(unassigned.body.data.map((x: { id: string }) => x.id)).toContain(ticket.id);
  expect((await history(ticket.id)).at(-1)).toMatchObject({
    agentId: other.agent.id,
    status: 'transferred',
    transferredTo: null,
  });
});

test('when AUTO_ASSIGN is off, then nothing is routed automatically, but explicit auto-assign still works', async () => {
  await start({ AUTO_ASSIGN: 'off' });
  const agent = await onlineAgent(app.container, { maxConcurrentTickets: 1 });
  const ticket = await createTicket(app.container);
  const second = await createTicket(app.container);
  await quiet();
  expect((await read(ticket.id)).assigneeId).toBeNull();

  const res = await app.http.post(`/api/tickets/${ticket.id}/auto-assign`).set(lead.auth).expect(200);
  expect(res.body).toMatchObject({ agentId: agent.agent.id, reason: 'only_eligible' });
  await app.http.patch(`/api/tickets/${ticket.id}`).set(agent.auth).send({ status: 'solved' }).expect(200);
  await setStatus(app.container, agent.agent.id, 'offline');
  await setStatus(app.container, agent.agent.id, 'online');
  await quiet();

  expect((await read(second.id)).assigneeId).toBeNull(); // no backlog run
  const counts = await app.container.queues.queue('assignment').getJobCounts();
  expect(counts.completed + counts.waiting + counts.active + counts.delayed).toBe(0);
  await app.http
    .post(`/api/tickets/${second.id}/assign`)
    .set(lead.auth)
    .send({ agentId: agent.agent.id })
    .expect(200);
});

test('when the periodic sweep runs, then tickets no event announced are assigned', async () => {
  await start({ ASSIGNMENT_SWEEP_SECONDS: '1' });
  const agent = await createAgent(app.container); // offline
  const ticket = await createTicket(app.container);
  await quiet();
  // Coming online behind the API's back (no event): only the sweep can notice.
  await app.container.db.query(`UPDATE agents SET status = 'online' WHERE id = $1`, [agent.agent.id]);
  await new Promise((r) => setTimeout(r, 100));
  expect((await read(ticket.id)).assigneeId).toBeNull();

  await app.container.queues.schedule(app.container.schedules);

  await assigneeBecomes(ticket.id, agent.agent.id);
});

test('when open-ticket counts drift, then the repair job recomputes them from the tickets', async () => {
  await start({ AUTO_ASSIGN: 'off' });
  const agent = await createAgent(app.container);
  await ticketsAssignedTo(app, agent.agent.id, lead.auth, 3);
  await app.container.db.query(`UPDATE agents SET open_tickets = 42 WHERE id = $1`, [agent.agent.id]);

  const job = await app.container.queues.add('assignment.repair-workload', {});
  const done = await eventually(
    async () => {
      const j = await app.container.queues.queue('assignment').getJob(job.id);
      return j && (await j.isCompleted()) ? j : undefined;
    },
    { what: 'the repair job' },
  );

  expect(done.returnvalue).toEqual({ released: 0, repaired: 1 });
  expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 3, counted: 3 });
  const queue = await app.http.get(`/api/agents/${agent.agent.id}/queue`).set(lead.auth).expect(200);
  expect(queue.body.workload.open).toBe(3);
});
