import { randomUUID } from 'node:crypto';
import { createContainer, type Container } from '../../src/container';
import pino from 'pino';
import { createAgent, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { barrier, TestClient } from './realtime-client';

// Two API instances on one database and one Redis, as behind a load balancer.
let a: TestApp;
let b: TestApp;
const clients: TestClient[] = [];

beforeAll(async () => {
  a = await startTestApp();
  b = await startTestApp({ share: a });
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await b.stop();
  await a.stop();
});

async function connect(app: TestApp, who: AgentWithToken): Promise<TestClient> {
  const client = await TestClient.connect(app.url, { token: who.token });
  clients.push(client);
  return client;
}

async function assign(ticketId: string, agentId: string): Promise<void> {
  await a.container.db.query('UPDATE tickets SET assignee_id = $1 WHERE id = $2', [agentId, ticketId]);
}

test('when a ticket is created, then agents taking new work and leads get new_ticket, and a viewer does not', async () => {
  const agent = await createAgent(a.container, { role: 'agent' });
  const busyAgent = await createAgent(a.container, { role: 'agent', acceptsNew: false });
  const lead = await createAgent(a.container, { role: 'lead' });
  const viewer = await createAgent(a.container, { role: 'viewer' });
  const [agentSocket, busySocket, leadSocket, viewerSocket] = await Promise.all([
    connect(a, agent),
    connect(b, busyAgent),
    connect(b, lead),
    connect(a, viewer),
  ]);

  const res = await a.http
    .post('/api/tickets')
    .set(lead.auth)
    .send({ subject: 'Where is my parcel?', customer: { email: `c-${randomUUID()}@test.example` } })
    .expect(201);
  const ticketId: string = res.body.id;

  const seen = await agentSocket.waitFor('new_ticket', (e) => e.data.ticketId === ticketId);
  expect(seen.data).toEqual({
    ticketId,
    number: res.body.number,
    customerId: res.body.customerId,
    priority: 'normal',
    channel: res.body.channel,
  });
  expect(seen.seq.everyone).toBeGreaterThan(0);
  await leadSocket.waitFor('new_ticket', (e) => e.data.ticketId === ticketId);
  await barrier(a.container, [busySocket, viewerSocket]);
  expect(busySocket.received('new_ticket').some((e) => e.data.ticketId === ticketId)).toBe(false);
  expect(viewerSocket.received('new_ticket').some((e) => e.data.ticketId === ticketId)).toBe(false);
});

test("when an SLA breach concerns one agent's ticket, then that agent and the leads get it and another agent never does", async () => {
  const mine = await createAgent(a.container);
  const other = await createAgent(a.container);
  const lead = await createAgent(a.container, { role: 'admin' });
  const [mineSocket, otherSocket, leadSocket] = await Promise.all([
    connect(b, mine),
    connect(a, other),
    connect(a, lead),
  ]);
  const ticket = await createTicket(a.container);
  await assign(ticket.id, mine.agent.id);

  a.container.events.publish('sla.breach', {
    ticketId: ticket.id,
    target: 'first_response',
    dueAt: '2026-11-21T09:00:00.000Z',
    breachedAt: '2026-11-21T09:00:01.000Z',
    assigneeId: mine.agent.id,
  });

  const breach = await mineSocket.waitFor('sla_breach', (e) => e.data.ticketId === ticket.id);
  expect(breach.data).toEqual({
    ticketId: ticket.id,
    target: 'first_response',
    dueAt: '2026-11-21T09:00:00.000Z',
    breachedAt: '2026-11-21T09:00:01.000Z',
  });
  // The socket learns its own room's sequence only, never another agent's room.
  expect(Object.keys(breach.seq)).toEqual([`agent:${mine.agent.id}`]);
  await leadSocket.waitFor('sla_breach', (e) => e.data.ticketId === ticket.id);
  await barrier(a.container, [otherSocket]);
  expect(otherSocket.received('sla_breach')).toHaveLength(0);
});

test('when an internal note is added, then the assignee and staff viewing the ticket get it but a viewer-role user never does', async () => {
  const assignee = await createAgent(a.container);
  const lead = await createAgent(a.container, { role: 'lead' });
  const viewer = await createAgent(a.container, { role: 'viewer' });
  const ticket = await createTicket(a.container);
  await assign(ticket.id, assignee.agent.id);
  const [assigneeSocket, leadSocket, viewerSocket] = await Promise.all([
    connect(a, assignee),
    connect(b, lead),
    connect(a, viewer),
  ]);
  for (const s of [leadSocket, viewerSocket]) {
    const ack = await s.ask('ticket:view', { ticketId: ticket.id });
    expect(ack.ok).toBe(true);
  }

  const note = await b.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(lead.auth)
    .send({ body: 'Customer is a known fraud risk', internal: true })
    .expect(201);
  const reply = await b.http
    .post(`/api/tickets/${ticket.id}/messages`)
    .set(assignee.auth)
    .send({ body: 'On it!' })
    .expect(201);

  const got = await assigneeSocket.waitFor('message_received', (e) => e.data.messageId === note.body.id);
  expect(got.data).toEqual({
    ticketId: ticket.id,
    messageId: note.body.id,
    authorType: 'agent',
    agentId: lead.agent.id,
    internal: true,
  });
  await leadSocket.waitFor('message_received', (e) => e.data.messageId === note.body.id);
  // The public reply, recorded after the note, reaches the viewer: the note never did.
  const publicReply = await viewerSocket.waitFor(
    'message_received',
    (e) => e.data.messageId === reply.body.id,
  );
  expect(publicReply.seq[`ticket:${ticket.id}`]).toBeGreaterThan(0);
  expect(viewerSocket.received('message_received').map((e) => e.data.messageId)).toEqual([reply.body.id]);
  // The reply moved the ticket to open: viewers and the assignee hear about it.
  const update = await viewerSocket.waitFor('ticket_update', (e) => e.data.ticketId === ticket.id);
  expect(update.data.changes).toEqual({ status: ['new', 'open'] });
});

test('when a worker process publishes a domain event, then sockets on both API instances receive it exactly once', async () => {
  const leadA = await createAgent(a.container, { role: 'lead' });
  const leadB = await createAgent(a.container, { role: 'lead' });
  const assignee = await createAgent(a.container);
  const [onA, onB, assigneeSocket] = await Promise.all([
    connect(a, leadA),
    connect(b, leadB),
    connect(b, assignee),
  ]);
  const worker: Container = await createContainer(a.config, {
    processName: 'worker',
    logger: pino({ level: 'silent' }),
  });
  try {
    const ticket = await createTicket(worker);
    worker.events.publish('sla.warning', {
      ticketId: ticket.id,
      target: 'resolution',
      dueAt: '2026-11-22T10:00:00.000Z',
      assigneeId: assignee.agent.id,
    });
    await worker.events.drain();
    for (const s of [onA, onB, assigneeSocket]) {
      await s.waitFor('sla_warning', (e) => e.data.ticketId === ticket.id);
    }
    await barrier(a.container, [onA, onB, assigneeSocket]);
    for (const s of [onA, onB, assigneeSocket]) {
      expect(s.received('sla_warning').filter((e) => e.data.ticketId === ticket.id)).toHaveLength(1);
      // new_ticket came from the worker's ticket.created too, once.
      if (s !== assigneeSocket) {
        expect(s.received('new_ticket').filter((e) => e.data.ticketId === ticket.id)).toHaveLength(1);
      }
    }
  } finally {
    await worker.close();
  }
});

test('when a ticket is assigned, then the new and previous assignees, its viewers and the leads are told, and nobody else', async () => {
  const previous = await createAgent(a.container);
  const next = await createAgent(a.container);
  const bystander = await createAgent(a.container);
  const [prevSocket, nextSocket, bystanderSocket] = await Promise.all([
    connect(a, previous),
    connect(b, next),
    connect(b, bystander),
  ]);
  const ticket = await createTicket(a.container);
  a.container.events.publish('ticket.assigned', {
    ticketId: ticket.id,
    agentId: next.agent.id,
    previousAgentId: previous.agent.id,
    actorId: null,
    reason: 'least_loaded',
    overCapacity: false,
  });
  const expected = {
    ticketId: ticket.id,
    agentId: next.agent.id,
    previousAgentId: previous.agent.id,
    reason: 'least_loaded',
  };
  expect((await nextSocket.waitFor('ticket_assigned')).data).toEqual(expected);
  expect((await prevSocket.waitFor('ticket_assigned')).data).toEqual(expected);
  await barrier(a.container, [bystanderSocket]);
  expect(bystanderSocket.received('ticket_assigned')).toHaveLength(0);
});

test('when a long job reports progress, then only its requester hears about it', async () => {
  const requester = await createAgent(a.container, { role: 'admin' });
  const other = await createAgent(a.container, { role: 'admin' });
  const [mine, theirs] = await Promise.all([connect(b, requester), connect(b, other)]);
  a.container.events.publish('job.progress', {
    jobId: 'imports:42',
    requesterId: requester.agent.id,
    state: 'active',
    done: 10,
    total: 100,
  });
  const progress = await mine.waitFor('job_progress', (e) => e.data.jobId === 'imports:42');
  expect(progress.data).toEqual({ jobId: 'imports:42', state: 'active', done: 10, total: 100 });
  await barrier(a.container, [theirs]);
  expect(theirs.received('job_progress').filter((e) => e.data.jobId === 'imports:42')).toHaveLength(0);
});

test('when an agent changes status over HTTP, then every connected agent gets agent_status, whatever the instance', async () => {
  const agent = await createAgent(a.container);
  const viewer = await createAgent(a.container, { role: 'viewer' });
  const [self, watcher] = await Promise.all([connect(a, agent), connect(b, viewer)]);
  await a.http
    .put(`/api/agents/${agent.agent.id}/status`)
    .set(agent.auth)
    .send({ status: 'away' })
    .expect(200);
  for (const s of [self, watcher]) {
    const e = await s.waitFor(
      'agent_status',
      (x) => x.data.agentId === agent.agent.id && x.data.status === 'away',
    );
    expect(e.data.previous).toBe('online');
    expect(e.seq).toHaveProperty('everyone');
  }
});
