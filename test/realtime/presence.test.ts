import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgent, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { TestClient } from './realtime-client';

// Short intervals so presence and typing settle within a test: grace 1 s, heartbeats every
// 200 ms, a connection lapses after 2 s without one, typing lapses after 1 s.
const env = {
  PRESENCE_GRACE_SECONDS: '1',
  PRESENCE_IDLE_SECONDS: '1',
  REALTIME_PING_INTERVAL_MS: '200',
  REALTIME_PING_TIMEOUT_MS: '400',
  REALTIME_TYPING_SECONDS: '1',
};

let a: TestApp;
let b: TestApp;
const clients: TestClient[] = [];

beforeAll(async () => {
  a = await startTestApp({ env });
  b = await startTestApp({ env, share: a });
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

async function statusOf(who: AgentWithToken): Promise<string> {
  const res = await a.http.get(`/api/agents/${who.agent.id}`).set(who.auth).expect(200);
  return res.body.status as string;
}

const wentOffline = (agentId: string) => (e: { data: { agentId: string; status: string } }) =>
  e.data.agentId === agentId && e.data.status === 'offline';

describe('presence', () => {
  test("when an agent's only socket drops, then after the grace period they are offline in the database and everyone is told", async () => {
    const agent = await createAgent(a.container);
    const lead = await createAgent(a.container, { role: 'lead' });
    const watcher = await connect(b, lead);
    const tab = await connect(a, agent);
    expect(await statusOf(agent)).toBe('online');
    await watcher.waitFor(
      'agent_status',
      (e) => e.data.agentId === agent.agent.id && e.data.status === 'online',
    );

    tab.close();

    const offline = await watcher.waitFor('agent_status', wentOffline(agent.agent.id));
    expect(offline.data.previous).toBe('online');
    expect(await statusOf(agent)).toBe('offline');
  });

  test('when an agent has tabs on two instances and closes one, then they stay online until the last one closes', async () => {
    const agent = await createAgent(a.container);
    const lead = await createAgent(a.container, { role: 'lead' });
    const watcher = await connect(a, lead);
    const tab1 = await connect(a, agent);
    const tab2 = await connect(b, agent);

    tab1.close();
    await sleep(1500); // longer than the grace period
    await a.container.realtime.gateway.sweep();
    await b.container.realtime.gateway.sweep();
    await a.container.events.drain();
    await b.container.events.drain();
    expect(await statusOf(agent)).toBe('online');

    tab2.close();
    await watcher.waitFor('agent_status', wentOffline(agent.agent.id));
    expect(await statusOf(agent)).toBe('offline');
    expect(watcher.received('agent_status').filter(wentOffline(agent.agent.id))).toHaveLength(1);
  });

  test('when an instance dies without closing its connection, then the connection lapses and the agent goes offline', async () => {
    const agent = await createAgent(a.container);
    const lead = await createAgent(a.container, { role: 'lead' });
    const watcher = await connect(b, lead);
    // What a crashed instance leaves behind: a connection that will never heartbeat again.
    await a.container.realtime.presence.connected(agent.agent.id, `ghost-${randomUUID()}`);
    expect(await statusOf(agent)).toBe('online');

    await watcher.waitFor('agent_status', wentOffline(agent.agent.id), 10_000);
    expect(await statusOf(agent)).toBe('offline');
  });

  test('when an agent sets busy on the socket, then the database says busy and a quick reconnect keeps it', async () => {
    const agent = await createAgent(a.container);
    const tab = await connect(a, agent);
    const ack = await tab.ask('presence:set', { status: 'busy' });
    expect(ack).toEqual({ ok: true, status: 'busy' });
    expect(await statusOf(agent)).toBe('busy');
    await tab.waitFor('agent_status', (e) => e.data.agentId === agent.agent.id && e.data.status === 'busy');

    tab.close();
    await connect(b, agent); // within the grace period
    expect(await statusOf(agent)).toBe('busy');
    const statuses = await a.container.realtime.presence.statuses([agent.agent.id]);
    expect(statuses.get(agent.agent.id)).toBe('busy');
  });

  test('when presence:set carries an unknown status, then the ack names the field and nothing changes', async () => {
    const agent = await createAgent(a.container);
    const tab = await connect(a, agent);
    const ack = await tab.ask('presence:set', { status: 'sleeping' as 'busy' });
    expect(ack.ok).toBe(false);
    if (!ack.ok) {
      expect(ack.error.code).toBe('validation_failed');
      expect(ack.error.details?.[0]?.field).toBe('status');
    }
    expect(await statusOf(agent)).toBe('online');
  });
});

describe('collision detection', () => {
  test('when two agents view one ticket from different instances, then each sees the other, typing shows and lapses, and leaving updates the set', async () => {
    const ann = await createAgent(a.container, { name: 'Ann' });
    const bob = await createAgent(a.container, { name: 'Bob' });
    const ticket = await createTicket(a.container);
    const annTab = await connect(a, ann);
    const bobTab = await connect(b, bob);
    const both = (typingBob: boolean) => [
      { agentId: ann.agent.id, name: 'Ann', typing: false },
      { agentId: bob.agent.id, name: 'Bob', typing: typingBob },
    ];
    const isSet = (expected: unknown) => (e: { ticketId: string; viewers: unknown }) =>
      e.ticketId === ticket.id && JSON.stringify(e.viewers) === JSON.stringify(expected);

    const first = await annTab.ask('ticket:view', { ticketId: ticket.id });
    expect(first).toMatchObject({
      ok: true,
      viewers: [{ agentId: ann.agent.id, name: 'Ann', typing: false }],
    });
    const second = await bobTab.ask('ticket:view', { ticketId: ticket.id });
    expect(second).toMatchObject({ ok: true, viewers: both(false) });
    await annTab.waitFor('ticket:viewers', isSet(both(false)));

    await bobTab.ask('ticket:typing', { ticketId: ticket.id });
    const typing = await annTab.waitFor('ticket:viewers', isSet(both(true)));
    // Typing lapses on its own when the client stops sending it.
    await annTab.waitFor('ticket:viewers', (e) => isSet(both(false))(e) && e.version > typing.version);

    await bobTab.ask('ticket:leave', { ticketId: ticket.id });
    const alone = [{ agentId: ann.agent.id, name: 'Ann', typing: false }];
    await annTab.waitFor('ticket:viewers', isSet(alone));

    // Viewing again and dropping the connection also clears the entry.
    await bobTab.ask('ticket:view', { ticketId: ticket.id });
    const versionBefore = (await annTab.waitFor('ticket:viewers', isSet(both(false)))).version;
    bobTab.close();
    const after = await annTab.waitFor('ticket:viewers', (e) => isSet(alone)(e) && e.version > versionBefore);
    expect(after.viewers).toEqual(alone);
  });

  test("when a viewer's instance dies, then its entry lapses and the remaining viewers are told", async () => {
    const ann = await createAgent(a.container, { name: 'Ann' });
    const ticket = await createTicket(a.container);
    // An entry left by a crashed instance: it will never be renewed.
    await b.container.realtime.collision.view(ticket.id, `ghost-${randomUUID()}`, {
      agentId: randomUUID(),
      name: 'Ghost',
    });
    const annTab = await connect(a, ann);
    const ack = await annTab.ask('ticket:view', { ticketId: ticket.id });
    expect(ack.ok && ack.viewers.map((v) => v.name)).toEqual(['Ann', 'Ghost']);

    const cleared = await annTab.waitFor(
      'ticket:viewers',
      (e) => e.ticketId === ticket.id && e.viewers.every((v) => v.name !== 'Ghost'),
      10_000,
    );
    expect(cleared.viewers).toEqual([{ agentId: ann.agent.id, name: 'Ann', typing: false }]);
  });

  test('when ticket:view names a malformed or unknown ticket, or typing comes before viewing, then the ack says why', async () => {
    const agent = await createAgent(a.container);
    const tab = await connect(a, agent);
    const bad = await tab.ask('ticket:view', { ticketId: 'not-a-uuid' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const unknown = await tab.ask('ticket:view', { ticketId: randomUUID() });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const ticket = await createTicket(a.container);
    const typing = await tab.ask('ticket:typing', { ticketId: ticket.id });
    expect(typing).toMatchObject({ ok: false, error: { code: 'not_viewing' } });
  });
});
