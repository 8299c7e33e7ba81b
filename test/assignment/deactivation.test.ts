import { createAgent, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually, onlineAgent, ticketsAssignedTo, workloadOf } from './helpers';

let app: TestApp;
let admin: AgentWithToken;

async function start(env: NodeJS.ProcessEnv = {}, worker = true) {
  app = await startTestApp({ env: { AUTO_ASSIGN: 'off', ...env } });
  admin = await createAgent(app.container, { role: 'admin', maxConcurrentTickets: 0 });
  if (worker) app.startWorker();
}
afterEach(async () => {
  await app.stop();
});

const read = async (id: string) =>
  (await app.http.get(`/api/tickets/${id}`).set(admin.auth).expect(200)).body;
const history = async (id: string) =>
  (await app.http.get(`/api/tickets/${id}/assignments`).set(admin.auth).expect(200)).body.data;
const assigneeBecomes = (id: string, agentId: string | null) =>
  eventually(async () => (await read(id)).assigneeId === agentId, { what: `ticket ${id} → ${agentId}` });

async function ticketWith(agentId: string, status: 'open' | 'pending' | 'on_hold' | 'solved' = 'open') {
  const [ticket] = await ticketsAssignedTo(app, agentId, admin.auth);
  if (!ticket) throw new Error('no ticket');
  if (status !== 'open')
    await app.http.patch(`/api/tickets/${ticket.id}`).set(admin.auth).send({ status }).expect(200);
  return ticket;
}

test('when an agent is deactivated, then their unsolved tickets return to the unassigned queue and their solved ones stay theirs', async () => {
  await start();
  const agent = await createAgent(app.container);
  const open = await ticketWith(agent.agent.id);
  const pending = await ticketWith(agent.agent.id, 'pending');
  const onHold = await ticketWith(agent.agent.id, 'on_hold');
  const solved = await ticketWith(agent.agent.id, 'solved');
  const colleague = await createAgent(app.container);
  const theirs = await ticketWith(colleague.agent.id);

  await app.http.delete(`/api/agents/${agent.agent.id}`).set(admin.auth).expect(204);

  for (const t of [open, pending, onHold]) await assigneeBecomes(t.id, null);
  expect(await history(open.id)).toEqual([
    expect.objectContaining({
      agentId: agent.agent.id,
      status: 'transferred',
      transferredBy: admin.agent.id,
      transferredTo: null,
      transferReason: 'agent deactivated',
    }),
  ]);
  const unassigned = await app.http.get('/api/tickets/unassigned?limit=100').set(admin.auth).expect(200);
  expect(unassigned.body.data.map((t: { id: string }) => t.id)).toEqual(
    expect.arrayContaining([open.id, onHold.id]),
  );
  expect((await read(solved.id)).assigneeId).toBe(agent.agent.id);
  expect((await read(theirs.id)).assigneeId).toBe(colleague.agent.id);
  expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 0, counted: 0 });
});

test('when routing is automatic, then a deactivated agent’s open tickets go to an eligible colleague', async () => {
  await start({ AUTO_ASSIGN: 'on' });
  const leaving = await onlineAgent(app.container);
  const ticket = await createTicket(app.container);
  await assigneeBecomes(ticket.id, leaving.agent.id);
  const staying = await onlineAgent(app.container);

  await app.http.patch(`/api/agents/${leaving.agent.id}`).set(admin.auth).send({ active: false }).expect(200);

  await assigneeBecomes(ticket.id, staying.agent.id);
  expect((await history(ticket.id)).map((a: { status: string }) => a.status)).toEqual([
    'transferred',
    'assigned',
  ]);
});

test('when the release job is lost, then the periodic workload repair releases the tickets', async () => {
  await start({}, false);
  const agent = await createAgent(app.container);
  const ticket = await ticketWith(agent.agent.id);
  await app.http.delete(`/api/agents/${agent.agent.id}`).set(admin.auth).expect(204);
  await app.container.events.drain();
  const assignmentQueue = app.container.queues.queue('assignment');
  expect(await assignmentQueue.getJobCounts()).toMatchObject({ waiting: 1 });
  await assignmentQueue.empty();

  app.startWorker();
  await app.container.queues.add('assignment.repair-workload', {});

  await assigneeBecomes(ticket.id, null);
  expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 0, counted: 0 });
});

test('when an agent is reactivated before the release runs, then they keep their tickets', async () => {
  await start({}, false);
  const agent = await createAgent(app.container);
  const ticket = await ticketWith(agent.agent.id);
  await app.http.delete(`/api/agents/${agent.agent.id}`).set(admin.auth).expect(204);
  await app.http.patch(`/api/agents/${agent.agent.id}`).set(admin.auth).send({ active: true }).expect(200);

  const released = await app.container.services.assignment.releaseInactive(agent.agent.id);

  expect(released).toEqual({ released: 0 });
  expect((await read(ticket.id)).assigneeId).toBe(agent.agent.id);
});

test('when an agent hands one ticket to a colleague and the rest are released by deactivation, then their report counts one transfer out', async () => {
  await start();
  const agent = await createAgent(app.container);
  const colleague = await createAgent(app.container);
  const [handed, released] = await ticketsAssignedTo(app, agent.agent.id, admin.auth, 2);
  if (!handed || !released) throw new Error('no tickets');
  await app.http
    .post(`/api/tickets/${handed.id}/transfer`)
    .set(admin.auth)
    .send({ toAgentId: colleague.agent.id })
    .expect(200);
  await app.http.delete(`/api/agents/${agent.agent.id}`).set(admin.auth).expect(204);
  await assigneeBecomes(released.id, null);

  await app.container.events.drain();
  await app.container.services.analyticsRollups.refresh();
  const report = async (id: string) =>
    (await app.http.get(`/api/analytics/agents/${id}/today`).set(admin.auth).expect(200)).body;
  expect(await report(agent.agent.id)).toMatchObject({ assigned: 2, transferredOut: 1 });
  expect(await report(colleague.agent.id)).toMatchObject({ transferredIn: 1, transferredOut: 0 });
});
