import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgent, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { TestClient } from './realtime-client';

const clients: TestClient[] = [];
afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
});

async function connect(app: TestApp, who: AgentWithToken, lastSeq?: Record<string, number>) {
  const client = await TestClient.connect(app.url, { token: who.token, ...(lastSeq ? { lastSeq } : {}) });
  clients.push(client);
  return client;
}

function progress(app: TestApp, agentId: string, jobId: string): void {
  app.container.events.publish('job.progress', { jobId, requesterId: agentId, state: 'active', done: 1 });
}

describe('with the default retention', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ share: a });
  });
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  test('when a socket reconnects with its last sequences, then it gets what it missed, in order and before session:ready, then live events', async () => {
    const agent = await createAgent(a.container);
    const first = await connect(a, agent);
    const room = `agent:${agent.agent.id}`;
    progress(a, agent.agent.id, 'job-1');
    await first.waitFor('job_progress', (e) => e.data.jobId === 'job-1');
    const lastSeq = { ...first.lastSeq };
    first.close();
    await first.waitForDisconnect();

    for (const jobId of ['job-2', 'job-3', 'job-4']) progress(b, agent.agent.id, jobId);
    await b.container.events.drain();

    const second = await connect(b, agent, lastSeq);
    const replayed = second.received('job_progress');
    expect(replayed.map((e) => e.data.jobId)).toEqual(['job-2', 'job-3', 'job-4']);
    expect(replayed.every((e) => e.replayed === true)).toBe(true);
    expect(replayed.map((e) => e.seq[room])).toEqual([
      lastSeq[room] + 1,
      lastSeq[room] + 2,
      lastSeq[room] + 3,
    ]);
    const order = second.log.map((e) => e.event);
    expect(order.lastIndexOf('job_progress')).toBeLessThan(order.indexOf('session:ready'));
    expect(second.ready?.replayed).toBeGreaterThanOrEqual(3);
    expect(second.ready?.seq[room]).toBe(lastSeq[room] + 3);

    progress(a, agent.agent.id, 'job-5');
    const live = await second.waitFor('job_progress', (e) => e.data.jobId === 'job-5');
    expect(live.replayed).toBeUndefined();
    expect(live.seq[room]).toBe(lastSeq[room] + 4);
  });

  test('when a viewer re-views a ticket with its last sequence, then it gets the messages it missed, once, even when also sent to its own room', async () => {
    const assignee = await createAgent(a.container);
    const ticket = await createTicket(a.container);
    await a.container.db.query('UPDATE tickets SET assignee_id = $1 WHERE id = $2', [
      assignee.agent.id,
      ticket.id,
    ]);
    const tab = await connect(a, assignee);
    const view = await tab.ask('ticket:view', { ticketId: ticket.id });
    if (!view.ok) throw new Error('view refused');
    const ticketRoom = `ticket:${ticket.id}`;

    // Live: the message goes to the agent's room and the ticket room, and arrives once.
    const live = await a.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(assignee.auth)
      .send({ body: 'Checking with the carrier', internal: true })
      .expect(201);
    const got = await tab.waitFor('message_received', (e) => e.data.messageId === live.body.id);
    expect(Object.keys(got.seq).sort()).toEqual([`agent:${assignee.agent.id}`, ticketRoom].sort());
    const lastSeq = { ...tab.lastSeq };
    tab.close();
    await tab.waitForDisconnect();

    const missed = await b.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(assignee.auth)
      .send({ body: 'Parcel found', author: 'customer' })
      .expect(201);
    await b.container.events.drain();

    const again = await connect(b, assignee, lastSeq);
    const reviewed = await again.ask('ticket:view', { ticketId: ticket.id, lastSeq: lastSeq[ticketRoom] });
    expect(reviewed).toMatchObject({ ok: true, seq: lastSeq[ticketRoom] + 1 });
    const copies = again.received('message_received').filter((e) => e.data.messageId === missed.body.id);
    expect(copies).toHaveLength(1);
    expect(copies[0]?.replayed).toBe(true);
    expect(again.received('message_received').some((e) => e.data.messageId === live.body.id)).toBe(false);
  });

  test('when a viewer-role user catches up on a ticket, then the replay leaves out internal notes', async () => {
    const viewer = await createAgent(a.container, { role: 'viewer' });
    const lead = await createAgent(a.container, { role: 'lead' });
    const ticket = await createTicket(a.container);
    const ticketRoom = `ticket:${ticket.id}`;
    const tab = await connect(a, viewer);
    const view = await tab.ask('ticket:view', { ticketId: ticket.id });
    if (!view.ok) throw new Error('view refused');
    tab.close();
    await tab.waitForDisconnect();

    const note = await a.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(lead.auth)
      .send({ body: 'Do not refund', internal: true })
      .expect(201);
    const reply = await a.http
      .post(`/api/tickets/${ticket.id}/messages`)
      .set(lead.auth)
      .send({ body: 'We are on it' })
      .expect(201);
    await a.container.events.drain();

    const again = await connect(b, viewer);
    const ack = await again.ask('ticket:view', { ticketId: ticket.id, lastSeq: view.seq });
    expect(ack.ok).toBe(true);
    const ids = again.received('message_received').map((e) => e.data.messageId);
    expect(ids).toContain(reply.body.id);
    expect(ids).not.toContain(note.body.id);
    expect(again.lastSeq[ticketRoom]).toBeGreaterThan(view.seq);
  });

  test('when a client sends a sequence the room never reached, then it is told to resync', async () => {
    const agent = await createAgent(a.container);
    const room = `agent:${agent.agent.id}`;
    const client = await connect(a, agent, { [room]: 999_999 });
    const resync = await client.waitFor('resync_required', (e) => e.room === room);
    expect(resync).toEqual({ room, seq: 0, reason: 'unknown_sequence' });
  });

  test("when a client asks to replay another agent's room, then nothing of that room is sent", async () => {
    const victim = await createAgent(a.container);
    const snoop = await createAgent(a.container);
    progress(a, victim.agent.id, `secret-${randomUUID()}`);
    await a.container.events.drain();
    const client = await connect(b, snoop, { [`agent:${victim.agent.id}`]: 0 });
    expect(client.received('job_progress')).toHaveLength(0);
    expect(client.ready?.seq).not.toHaveProperty(`agent:${victim.agent.id}`);
  });
});

describe('with a one-second retention', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { REALTIME_REPLAY_SECONDS: '1' } });
  });
  afterAll(async () => {
    await app.stop();
  });

  test('when a socket reconnects after the retention window, then it gets resync_required with the current sequence', async () => {
    const agent = await createAgent(app.container);
    const room = `agent:${agent.agent.id}`;
    const first = await connect(app, agent);
    const lastSeq = { ...first.lastSeq };
    first.close();
    await first.waitForDisconnect();
    progress(app, agent.agent.id, 'job-lost');
    await app.container.events.drain();
    await sleep(1500);

    const second = await connect(app, agent, lastSeq);
    const resync = await second.waitFor('resync_required', (e) => e.room === room);
    expect(resync).toEqual({ room, seq: lastSeq[room] + 1, reason: 'retention_exceeded' });
    expect(second.received('job_progress')).toHaveLength(0);
    expect(second.ready?.seq[room]).toBe(lastSeq[room] + 1);
  });
});
