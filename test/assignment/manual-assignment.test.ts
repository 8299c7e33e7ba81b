import { createAgent, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { recordEvents, workloadOf } from './helpers';

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

const assign = (id: string, agentId: string, auth: Record<string, string>) =>
  app.http.post(`/api/tickets/${id}/assign`).set(auth).send({ agentId });

describe('manual assignment', () => {
  test('when a lead assigns a ticket, then it is assigned, recorded and announced', async () => {
    const agent = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    const assigned = recordEvents(app.container, 'ticket.assigned');
    const updated = recordEvents(app.container, 'ticket.updated');

    const res = await assign(ticket.id, agent.agent.id, lead.auth).expect(200);

    expect(res.body).toMatchObject({ id: ticket.id, assigneeId: agent.agent.id });
    expect(res.body.assignment).toMatchObject({
      agentId: agent.agent.id,
      assignedBy: lead.agent.id,
      method: 'manual',
      status: 'assigned',
      overCapacity: false,
    });
    await app.container.events.drain();
    expect(assigned).toContainEqual(
      expect.objectContaining({ ticketId: ticket.id, agentId: agent.agent.id, actorId: lead.agent.id }),
    );
    expect(updated).toContainEqual({
      ticketId: ticket.id,
      changes: { assigneeId: [null, agent.agent.id] },
      actorId: lead.agent.id,
    });
    const read = await app.http.get(`/api/tickets/${ticket.id}`).set(agent.auth).expect(200);
    expect(read.body.assigneeId).toBe(agent.agent.id);
    expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 1, counted: 1 });
  });

  test('when a lead assigns beyond capacity, then it is allowed and recorded as over capacity', async () => {
    const agent = await createAgent(app.container, { maxConcurrentTickets: 1 });
    const first = await createTicket(app.container);
    const second = await createTicket(app.container);
    await assign(first.id, agent.agent.id, lead.auth).expect(200);

    const res = await assign(second.id, agent.agent.id, admin.auth).expect(200);

    expect(res.body.assignment.overCapacity).toBe(true);
    const events = recordEvents(app.container, 'ticket.assigned');
    const third = await createTicket(app.container);
    await assign(third.id, agent.agent.id, lead.auth).expect(200);
    await app.container.events.drain();
    expect(events[0]).toMatchObject({ ticketId: third.id, overCapacity: true });
    const queue = await app.http.get(`/api/agents/${agent.agent.id}/queue`).set(lead.auth).expect(200);
    expect(queue.body.workload).toEqual({ open: 3, capacity: 1 });
  });

  test('when an agent takes an unassigned ticket within capacity, then it is theirs', async () => {
    const agent = await createAgent(app.container, { maxConcurrentTickets: 2 });
    const ticket = await createTicket(app.container);

    const res = await assign(ticket.id, agent.agent.id, agent.auth).expect(200);

    expect(res.body.assignment).toMatchObject({ method: 'self', assignedBy: agent.agent.id });
  });

  test('when an agent at capacity tries to take another ticket, then 409 and it stays unassigned', async () => {
    const agent = await createAgent(app.container, { maxConcurrentTickets: 1 });
    const mine = await createTicket(app.container);
    const another = await createTicket(app.container);
    await assign(mine.id, agent.agent.id, agent.auth).expect(200);

    const res = await assign(another.id, agent.agent.id, agent.auth).expect(409);

    expect(res.body.error.code).toBe('over_capacity');
    const read = await app.http.get(`/api/tickets/${another.id}`).set(agent.auth).expect(200);
    expect(read.body.assigneeId).toBeNull();
  });

  test('when a full agent takes a pending ticket, then it fits: pending tickets are not load', async () => {
    const agent = await createAgent(app.container, { maxConcurrentTickets: 1 });
    const open = await createTicket(app.container);
    await assign(open.id, agent.agent.id, agent.auth).expect(200);
    const waiting = await createTicket(app.container);
    await app.http.patch(`/api/tickets/${waiting.id}`).set(lead.auth).send({ status: 'pending' }).expect(200);

    await assign(waiting.id, agent.agent.id, agent.auth).expect(200);

    expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 1, counted: 1 });
  });

  test('when an agent assigns a ticket to someone else, then 403', async () => {
    const agent = await createAgent(app.container);
    const other = await createAgent(app.container);
    const ticket = await createTicket(app.container);

    const res = await assign(ticket.id, other.agent.id, agent.auth).expect(403);

    expect(res.body.error.code).toBe('assign_self_only');
  });

  test("when an agent tries to take another agent's ticket, then 403 and it stays put", async () => {
    const owner = await createAgent(app.container);
    const agent = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, owner.agent.id, lead.auth).expect(200);

    await assign(ticket.id, agent.agent.id, agent.auth).expect(403);

    const read = await app.http.get(`/api/tickets/${ticket.id}`).set(agent.auth).expect(200);
    expect(read.body.assigneeId).toBe(owner.agent.id);
  });

  test('when a lead reassigns a ticket, then the old assignment ends as transferred', async () => {
    const a = await createAgent(app.container);
    const b = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, a.agent.id, lead.auth).expect(200);

    await assign(ticket.id, b.agent.id, lead.auth).expect(200);

    const history = await app.http.get(`/api/tickets/${ticket.id}/assignments`).set(lead.auth).expect(200);
    expect(history.body.data.map((r: { agentId: string; status: string }) => [r.agentId, r.status])).toEqual([
      [a.agent.id, 'transferred'],
      [b.agent.id, 'assigned'],
    ]);
    expect(await workloadOf(app.container, a.agent.id)).toEqual({ kept: 0, counted: 0 });
    expect(await workloadOf(app.container, b.agent.id)).toEqual({ kept: 1, counted: 1 });
  });

  test('when assigning to the current assignee again, then nothing changes', async () => {
    const agent = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    const first = await assign(ticket.id, agent.agent.id, lead.auth).expect(200);

    const again = await assign(ticket.id, agent.agent.id, lead.auth).expect(200);

    expect(again.body.assignment.id).toBe(first.body.assignment.id);
    expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 1, counted: 1 });
  });

  test('when the target is unknown, inactive or a viewer, or the input is bad, then a clear 4xx', async () => {
    const ticket = await createTicket(app.container);
    const gone = await createAgent(app.container);
    await app.http.delete(`/api/agents/${gone.agent.id}`).set(admin.auth).expect(204);

    const unknown = await assign(ticket.id, '4b0d2c2e-8a51-4d1b-9a52-9c1f0e0c0a11', lead.auth).expect(400);
    expect(unknown.body.error.details).toEqual([{ field: 'body.agentId', message: 'no agent has this id' }]);
    expect((await assign(ticket.id, gone.agent.id, lead.auth).expect(409)).body.error.code).toBe(
      'agent_unavailable',
    );
    await assign(ticket.id, viewer.agent.id, lead.auth).expect(409);
    await assign(ticket.id, 'not-a-uuid', lead.auth).expect(400);
    await app.http.post(`/api/tickets/${ticket.id}/assign`).set(lead.auth).send({}).expect(400);
    await assign('4b0d2c2e-8a51-4d1b-9a52-9c1f0e0c0a11', lead.agent.id, lead.auth).expect(404);
    await assign(ticket.id, lead.agent.id, viewer.auth).expect(403);
    await app.http.post(`/api/tickets/${ticket.id}/assign`).send({ agentId: lead.agent.id }).expect(401);
  });

  test('when the ticket is closed, then it cannot be assigned', async () => {
    const agent = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await app.http.patch(`/api/tickets/${ticket.id}`).set(lead.auth).send({ status: 'closed' }).expect(200);

    const res = await assign(ticket.id, agent.agent.id, lead.auth).expect(409);

    expect(res.body.error.code).toBe('ticket_closed');
  });
});

describe('transfer', () => {
  test('when the assignee transfers with a reason, then history, counts and events follow', async () => {
    const from = await createAgent(app.container);
    const to = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, from.agent.id, from.auth).expect(200);
    const transferred = recordEvents(app.container, 'ticket.transferred');
    const assigned = recordEvents(app.container, 'ticket.assigned');
    const updated = recordEvents(app.container, 'ticket.updated');

    const res = await app.http
      .post(`/api/tickets/${ticket.id}/transfer`)
      .set(from.auth)
      .send({ toAgentId: to.agent.id, reason: 'Needs a billing specialist' })
      .expect(200);

    expect(res.body.assigneeId).toBe(to.agent.id);
    expect(res.body.assignment).toMatchObject({
      agentId: to.agent.id,
      previousAgentId: from.agent.id,
      assignedBy: from.agent.id,
      method: 'transfer',
      reason: 'Needs a billing specialist',
      status: 'assigned',
    });
    const history = await app.http.get(`/api/tickets/${ticket.id}/assignments`).set(to.auth).expect(200);
    expect(history.body.data[0]).toMatchObject({
      agentId: from.agent.id,
      status: 'transferred',
      transferredBy: from.agent.id,
      transferredTo: to.agent.id,
      transferReason: 'Needs a billing specialist',
    });
    expect(history.body.data[0].transferredAt).toEqual(expect.any(String));
    await app.container.events.drain();
    expect(transferred).toEqual([
      {
        ticketId: ticket.id,
        fromAgentId: from.agent.id,
        toAgentId: to.agent.id,
        actorId: from.agent.id,
        reason: 'Needs a billing specialist',
      },
    ]);
    expect(assigned).toContainEqual(
      expect.objectContaining({ ticketId: ticket.id, agentId: to.agent.id, previousAgentId: from.agent.id }),
    );
    expect(updated).toContainEqual(
      expect.objectContaining({ changes: { assigneeId: [from.agent.id, to.agent.id] } }),
    );
    expect(await workloadOf(app.container, from.agent.id)).toEqual({ kept: 0, counted: 0 });
    expect(await workloadOf(app.container, to.agent.id)).toEqual({ kept: 1, counted: 1 });
  });

  test('when an agent transfers to a full agent, then 409; a lead may, recorded as over capacity', async () => {
    const from = await createAgent(app.container);
    const full = await createAgent(app.container, { maxConcurrentTickets: 1 });
    await assign((await createTicket(app.container)).id, full.agent.id, lead.auth).expect(200);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, from.agent.id, from.auth).expect(200);
    const send = (auth: Record<string, string>) =>
      app.http.post(`/api/tickets/${ticket.id}/transfer`).set(auth).send({ toAgentId: full.agent.id });

    expect((await send(from.auth).expect(409)).body.error.code).toBe('over_capacity');
    const res = await send(lead.auth).expect(200);

    expect(res.body.assignment.overCapacity).toBe(true);
  });

  test('when someone other than the assignee or a lead transfers, then 403', async () => {
    const owner = await createAgent(app.container);
    const other = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, owner.agent.id, lead.auth).expect(200);

    await app.http
      .post(`/api/tickets/${ticket.id}/transfer`)
      .set(other.auth)
      .send({ toAgentId: other.agent.id })
      .expect(403);
  });

  test('when the ticket is unassigned or goes to its own assignee, then 409', async () => {
    const agent = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    const send = () =>
      app.http.post(`/api/tickets/${ticket.id}/transfer`).set(lead.auth).send({ toAgentId: agent.agent.id });

    expect((await send().expect(409)).body.error.code).toBe('not_assigned');
    await assign(ticket.id, agent.agent.id, lead.auth).expect(200);
    expect((await send().expect(409)).body.error.code).toBe('same_agent');
    await app.http
      .post(`/api/tickets/${ticket.id}/transfer`)
      .set(lead.auth)
      .send({ toAgentId: agent.agent.id, extra: 1 })
      .expect(400);
  });
});

describe('accept and the assignment lifecycle', () => {
  test('when the assignee accepts, replies and solves, then history goes assigned → accepted → in_progress → completed', async () => {
    const agent = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, agent.agent.id, lead.auth).expect(200);
    const accepted = recordEvents(app.container, 'ticket.accepted');

    const res = await app.http.post(`/api/tickets/${ticket.id}/accept`).set(agent.auth).expect(200);
    expect(res.body.assignment).toMatchObject({ status: 'accepted', acceptedAt: expect.any(String) });
    await app.container.events.drain();
    expect(accepted).toEqual([{ ticketId: ticket.id, agentId: agent.agent.id }]);

    // A note does not start the work; a public reply does.
    await app.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(agent.auth)
      .send({ body: 'checking the carrier', internal: true })
      .expect(201);
    let history = await app.http.get(`/api/tickets/${ticket.id}/assignments`).set(viewer.auth).expect(200);
    expect(history.body.data[0].status).toBe('accepted');
    await app.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(agent.auth)
      .send({ body: 'On it!' })
      .expect(201);
    history = await app.http.get(`/api/tickets/${ticket.id}/assignments`).set(viewer.auth).expect(200);
    expect(history.body.data[0]).toMatchObject({ status: 'in_progress', startedAt: expect.any(String) });

    await app.http.patch(`/api/tickets/${ticket.id}`).set(agent.auth).send({ status: 'solved' }).expect(200);
    history = await app.http.get(`/api/tickets/${ticket.id}/assignments`).set(viewer.auth).expect(200);
    expect(history.body.data).toHaveLength(1);
    expect(history.body.data[0]).toMatchObject({
      agentId: agent.agent.id,
      assignedBy: lead.agent.id,
      status: 'completed',
      completedAt: expect.any(String),
    });
    expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 0, counted: 0 });
  });

  test('when accepting twice, then the second is a no-op; others cannot accept', async () => {
    const agent = await createAgent(app.container);
    const other = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, agent.agent.id, lead.auth).expect(200);

    await app.http.post(`/api/tickets/${ticket.id}/accept`).set(agent.auth).expect(200);
    const again = await app.http.post(`/api/tickets/${ticket.id}/accept`).set(agent.auth).expect(200);

    expect(again.body.assignment.status).toBe('accepted');
    await app.http.post(`/api/tickets/${ticket.id}/accept`).set(other.auth).expect(403);
    await app.http.post(`/api/tickets/${ticket.id}/accept`).set(lead.auth).expect(403);
  });

  test('when an unassigned ticket is accepted, then 409', async () => {
    const agent = await createAgent(app.container);
    const ticket = await createTicket(app.container);

    const res = await app.http.post(`/api/tickets/${ticket.id}/accept`).set(agent.auth).expect(409);

    expect(res.body.error.code).toBe('not_assigned');
  });

  test('when history is read, then it names who, when, by whom, oldest first, with paging', async () => {
    const a = await createAgent(app.container);
    const b = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, a.agent.id, a.auth).expect(200);
    await app.http
      .post(`/api/tickets/${ticket.id}/transfer`)
      .set(lead.auth)
      .send({ toAgentId: b.agent.id })
      .expect(200);
    await assign(ticket.id, a.agent.id, admin.auth).expect(200);

    const first = await app.http
      .get(`/api/tickets/${ticket.id}/assignments?limit=2`)
      .set(viewer.auth)
      .expect(200);
    const rest = await app.http
      .get(`/api/tickets/${ticket.id}/assignments?limit=2&cursor=${first.body.nextCursor}`)
      .set(viewer.auth)
      .expect(200);

    const rows = [...first.body.data, ...rest.body.data];
    expect(rows.map((r) => [r.agentId, r.assignedBy, r.method, r.status])).toEqual([
      [a.agent.id, a.agent.id, 'self', 'transferred'],
      [b.agent.id, lead.agent.id, 'transfer', 'transferred'],
      [a.agent.id, admin.agent.id, 'manual', 'assigned'],
    ]);
    expect(rest.body.nextCursor).toBeNull();
    expect(Date.parse(rows[0].assignedAt)).toBeLessThanOrEqual(Date.parse(rows[2].assignedAt));
    await app.http.get(`/api/tickets/${ticket.id}/assignments?cursor=bogus`).set(viewer.auth).expect(400);
    await app.http
      .get('/api/tickets/4b0d2c2e-8a51-4d1b-9a52-9c1f0e0c0a11/assignments')
      .set(viewer.auth)
      .expect(404);
  });

  test('when a ticket is soft-deleted, then its agent’s open count drops', async () => {
    const agent = await createAgent(app.container);
    const ticket = await createTicket(app.container);
    await assign(ticket.id, agent.agent.id, lead.auth).expect(200);

    await app.http.delete(`/api/tickets/${ticket.id}`).set(lead.auth).expect(204);

    expect(await workloadOf(app.container, agent.agent.id)).toEqual({ kept: 0, counted: 0 });
  });
});
