import type { CreateTicketInput } from '../../src/modules/tickets/tickets.schemas';
import { createAgent, createCustomer, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { everyoneOffline, onlineAgent, recordEvents, setStatus, ticketsAssignedTo } from './helpers';

let app: TestApp;
let lead: AgentWithToken;

beforeAll(async () => {
  app = await startTestApp({ env: { AUTO_ASSIGN: 'off' } });
  lead = await createAgent(app.container, { role: 'lead', maxConcurrentTickets: 0 });
});
afterAll(async () => {
  await app.stop();
});
beforeEach(async () => {
  await everyoneOffline(app.container);
});

const autoAssign = (ticketId: string) => app.http.post(`/api/tickets/${ticketId}/auto-assign`).set(lead.auth);

async function ticketFor(
  customer: { language?: string; tier?: 'standard' | 'vip' } = {},
  input: Partial<CreateTicketInput> = {},
) {
  const c = await createCustomer(app.container, customer);
  return createTicket(app.container, { customerId: c.id, ...input });
}

/** Gives an agent `n` open tickets through the API. */
const load = (agent: AgentWithToken, n: number) => ticketsAssignedTo(app, agent.agent.id, lead.auth, n);

describe('eligibility', () => {
  test('when nobody is eligible, then 409 and the ticket stays in the unassigned queue', async () => {
    await createAgent(app.container); // offline
    const ticket = await ticketFor();

    const res = await autoAssign(ticket.id).expect(409);

    expect(res.body.error.code).toBe('no_eligible_agent');
    const read = await app.http.get(`/api/tickets/${ticket.id}`).set(lead.auth).expect(200);
    expect(read.body.assigneeId).toBeNull();
    const unassigned = await app.http.get('/api/tickets/unassigned?limit=100').set(lead.auth).expect(200);
    expect(unassigned.body.data.map((t: { id: string }) => t.id)).toContain(ticket.id);
    const history = await app.http.get(`/api/tickets/${ticket.id}/assignments`).set(lead.auth).expect(200);
    expect(history.body.data).toEqual([]);
  });

  test('when agents are busy, away, offline, not accepting, full, inactive, viewers or admins, then they are skipped', async () => {
    const admin = await createAgent(app.container, { role: 'admin' });
    const busy = await onlineAgent(app.container);
    await setStatus(app.container, busy.agent.id, 'busy');
    const away = await onlineAgent(app.container);
    await setStatus(app.container, away.agent.id, 'away');
    await createAgent(app.container); // offline
    await onlineAgent(app.container, { acceptsNew: false });
    const full = await onlineAgent(app.container, { maxConcurrentTickets: 1 });
    await load(full, 1);
    await onlineAgent(app.container, { role: 'viewer' });
    await onlineAgent(app.container, { role: 'admin' });
    const gone = await onlineAgent(app.container);
    await app.http.delete(`/api/agents/${gone.agent.id}`).set(admin.auth).expect(204);
    const ticket = await ticketFor();

    await autoAssign(ticket.id).expect(409);

    const able = await onlineAgent(app.container, { role: 'lead' });
    const res = await autoAssign(ticket.id).expect(200);
    expect(res.body).toMatchObject({ agentId: able.agent.id, reason: 'only_eligible' });
  });

  test('when an agent at capacity has pending tickets, then pending ones do not count as load', async () => {
    const agent = await onlineAgent(app.container, { maxConcurrentTickets: 1 });
    const waiting = await createTicket(app.container);
    await app.http
      .post(`/api/tickets/${waiting.id}/assign`)
      .set(lead.auth)
      .send({ agentId: agent.agent.id })
      .expect(200);
    await app.http.patch(`/api/tickets/${waiting.id}`).set(lead.auth).send({ status: 'pending' }).expect(200);
    const ticket = await ticketFor();

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body.agentId).toBe(agent.agent.id);
    const next = await ticketFor();
    await autoAssign(next.id).expect(409); // now the one open ticket fills the capacity of 1
  });

  test('when the ticket is already assigned or solved, then auto-assign refuses with 409', async () => {
    await onlineAgent(app.container);
    const ticket = await ticketFor();
    await autoAssign(ticket.id).expect(200);

    expect((await autoAssign(ticket.id).expect(409)).body.error.code).toBe('already_assigned');
    const solved = await ticketFor();
    await app.http.patch(`/api/tickets/${solved.id}`).set(lead.auth).send({ status: 'solved' }).expect(200);
    expect((await autoAssign(solved.id).expect(409)).body.error.code).toBe('ticket_not_open');
    await app.http.post('/api/tickets/not-a-uuid/auto-assign').set(lead.auth).expect(400);
    await app.http
      .post('/api/tickets/4b0d2c2e-8a51-4d1b-9a52-9c1f0e0c0a11/auto-assign')
      .set(lead.auth)
      .expect(404);
  });
});

describe('preferences', () => {
  test('when one agent speaks the customer language, then they get it even with more load', async () => {
    const french = await onlineAgent(app.container, { languages: ['en', 'fr'] });
    await onlineAgent(app.container, { languages: ['en'] });
    await load(french, 2);
    const ticket = await ticketFor({ language: 'fr' });

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body).toMatchObject({
      agentId: french.agent.id,
      reason: 'language',
      narrowedBy: ['language'],
    });
  });

  test('when nobody speaks the customer language, then the preference is skipped', async () => {
    const busy = await onlineAgent(app.container);
    const idle = await onlineAgent(app.container);
    await load(busy, 1);
    const ticket = await ticketFor({ language: 'ja' });

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body).toMatchObject({ agentId: idle.agent.id, reason: 'lowest_load', narrowedBy: [] });
  });

  test('when the customer is VIP, then a senior agent is chosen', async () => {
    const senior = await onlineAgent(app.container, { seniority: 'senior' });
    await onlineAgent(app.container, { seniority: 'junior' });
    await load(senior, 2);
    const ticket = await ticketFor({ tier: 'vip' });

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body).toMatchObject({ agentId: senior.agent.id, reason: 'vip_senior' });
  });

  test('when an agent specializes in the ticket category, then they are chosen', async () => {
    const billing = await onlineAgent(app.container, { specializations: ['billing'] });
    await onlineAgent(app.container, { specializations: ['shipping'] });
    await load(billing, 1);
    const ticket = await ticketFor({}, { category: 'billing' });

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body).toMatchObject({ agentId: billing.agent.id, reason: 'specialization' });
  });

  test('when an agent specializes in one of the ticket tags, then they are chosen', async () => {
    const returns = await onlineAgent(app.container, { specializations: ['returns'] });
    await onlineAgent(app.container);
    await load(returns, 1);
    const ticket = await ticketFor({}, { tags: ['damaged', 'returns'] });

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body).toMatchObject({ agentId: returns.agent.id, reason: 'specialization' });
  });

  test('when languages differ only by region and skills only by case, then they still match', async () => {
    const brazilian = await onlineAgent(app.container, { languages: ['pt_BR'] });
    await onlineAgent(app.container, { languages: ['en'] });
    await load(brazilian, 2);
    const res = await autoAssign((await ticketFor({ language: 'pt-PT' })).id).expect(200);
    expect(res.body).toMatchObject({ agentId: brazilian.agent.id, reason: 'language' });

    await setStatus(app.container, brazilian.agent.id, 'offline');
    const billing = await onlineAgent(app.container, { specializations: ['Billing'] });
    await load(billing, 1);
    const again = await autoAssign((await ticketFor({}, { category: 'billing' })).id).expect(200);
    expect(again.body).toMatchObject({ agentId: billing.agent.id, reason: 'specialization' });
  });

  test('when preferences combine, then language comes before VIP seniority, which comes before skills', async () => {
    const germanJunior = await onlineAgent(app.container, {
      languages: ['de'],
      specializations: ['billing'],
    });
    const germanSenior = await onlineAgent(app.container, { languages: ['de'], seniority: 'senior' });
    await onlineAgent(app.container, { seniority: 'senior', specializations: ['billing'] });
    await load(germanSenior, 1);
    const ticket = await ticketFor({ language: 'de', tier: 'vip' }, { category: 'billing' });

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body).toMatchObject({
      agentId: germanSenior.agent.id,
      reason: 'vip_senior',
      narrowedBy: ['language', 'vip_senior'],
    });
    expect(germanJunior.agent.id).not.toBe(res.body.agentId);
  });
});

describe('load balancing', () => {
  test('when loads differ, then the lowest open ÷ capacity wins', async () => {
    const big = await onlineAgent(app.container, { maxConcurrentTickets: 10 });
    const small = await onlineAgent(app.container, { maxConcurrentTickets: 2 });
    await load(big, 3); // 0.3
    await load(small, 1); // 0.5
    const ticket = await ticketFor();

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body).toMatchObject({ agentId: big.agent.id, reason: 'lowest_load' });
  });

  test('when loads tie, then agents take turns (round robin by longest wait)', async () => {
    const a = await onlineAgent(app.container, { maxConcurrentTickets: 10 });
    const b = await onlineAgent(app.container, { maxConcurrentTickets: 10 });
    const picks: string[] = [];
    const reasons: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await autoAssign((await ticketFor()).id).expect(200);
      picks.push(res.body.agentId);
      reasons.push(res.body.reason);
      // Solve it so loads are equal again and only the wait decides.
      await app.http
        .patch(`/api/tickets/${res.body.ticket.id}`)
        .set(lead.auth)
        .send({ status: 'solved' })
        .expect(200);
    }

    expect(new Set(picks)).toEqual(new Set([a.agent.id, b.agent.id]));
    expect(picks[0]).not.toBe(picks[1]);
    expect(picks[2]).toBe(picks[0]);
    expect(picks[3]).toBe(picks[1]);
    expect(reasons).toEqual(['round_robin', 'round_robin', 'round_robin', 'round_robin']);
  });

  test('when auto-assigned, then history, ticket and events name the rule and who asked', async () => {
    const agent = await onlineAgent(app.container);
    const ticket = await ticketFor();
    const assigned = recordEvents(app.container, 'ticket.assigned');
    const updated = recordEvents(app.container, 'ticket.updated');

    const res = await autoAssign(ticket.id).expect(200);

    expect(res.body.ticket).toMatchObject({ id: ticket.id, assigneeId: agent.agent.id });
    expect(res.body.assignment).toMatchObject({
      agentId: agent.agent.id,
      assignedBy: lead.agent.id,
      method: 'auto',
      reason: 'only_eligible',
      status: 'assigned',
      overCapacity: false,
    });
    await app.container.events.drain();
    expect(assigned).toEqual([
      {
        ticketId: ticket.id,
        agentId: agent.agent.id,
        previousAgentId: null,
        actorId: lead.agent.id,
        reason: 'only_eligible',
        overCapacity: false,
      },
    ]);
    expect(updated).toEqual([
      { ticketId: ticket.id, changes: { assigneeId: [null, agent.agent.id] }, actorId: lead.agent.id },
    ]);
  });

  test('when an agent calls auto-assign, then it routes by the rules too; viewers may not', async () => {
    const caller = await createAgent(app.container); // offline: not a candidate
    const viewer = await createAgent(app.container, { role: 'viewer' });
    const target = await onlineAgent(app.container);
    const ticket = await ticketFor();

    await app.http.post(`/api/tickets/${ticket.id}/auto-assign`).set(viewer.auth).expect(403);
    const res = await app.http.post(`/api/tickets/${ticket.id}/auto-assign`).set(caller.auth).expect(200);

    expect(res.body.agentId).toBe(target.agent.id);
  });
});
