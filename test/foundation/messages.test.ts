import { createAgent, createTicket, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
let lead: AgentWithToken;
let agent: AgentWithToken;
let viewer: AgentWithToken;

beforeAll(async () => {
  app = await startTestApp();
  lead = await createAgent(app.container, { role: 'lead' });
  agent = await createAgent(app.container, { role: 'agent' });
  viewer = await createAgent(app.container, { role: 'viewer' });
});
afterAll(async () => {
  await app.stop();
});

const post = (ticketId: string, who: AgentWithToken, body: object) =>
  app.http.post(`/api/tickets/${ticketId}/messages`).set(who.auth).send(body);
const ticket = (id: string) => app.http.get(`/api/tickets/${id}`).set(lead.auth).expect(200);

test('when an agent replies publicly for the first time, then firstRespondedAt is set once and a new ticket opens', async () => {
  const t = await createTicket(app.container, { body: 'help' });
  await post(t.id, agent, { body: 'note first', internal: true }).expect(201);
  expect((await ticket(t.id)).body).toMatchObject({ firstRespondedAt: null, status: 'new' });
  const reply = await post(t.id, agent, { body: 'On it!' }).expect(201);
  const after = (await ticket(t.id)).body;
  expect(after.status).toBe('open');
  expect(after.firstRespondedAt).toBe(reply.body.createdAt);
  await post(t.id, agent, { body: 'Second reply' }).expect(201);
  expect((await ticket(t.id)).body.firstRespondedAt).toBe(reply.body.createdAt);
});

test.each(['pending', 'solved'])(
  'when the customer writes on a %s ticket, then it reopens',
  async (status) => {
    const t = await createTicket(app.container, { body: 'help' });
    await app.http.patch(`/api/tickets/${t.id}`).set(agent.auth).send({ status }).expect(200);
    const res = await post(t.id, agent, { body: 'Customer called back', author: 'customer' }).expect(201);
    expect(res.body).toMatchObject({ author: 'customer', customerId: t.customerId, agentId: agent.agent.id });
    const after = (await ticket(t.id)).body;
    expect(after.status).toBe('open');
    expect(after.resolvedAt).toBeNull();
  },
);

test('when an agent records a customer message, then it does not count as a first response', async () => {
  const t = await createTicket(app.container);
  await post(t.id, agent, { body: 'Phone call: wants a refund', author: 'customer' }).expect(201);
  expect((await ticket(t.id)).body.firstRespondedAt).toBeNull();
});

test('when a note claims to be from the customer, then 400', async () => {
  const t = await createTicket(app.container);
  const res = await post(t.id, agent, { body: 'x', author: 'customer', internal: true }).expect(400);
  expect(res.body.error.details[0].field).toBe('body.internal');
});

test('when HTML carries scripts or handlers, then they are stripped before storage', async () => {
  const t = await createTicket(app.container);
  const res = await post(t.id, agent, {
    body: 'Hello',
    bodyHtml:
      '<p onclick="steal()">Hello <a href="javascript:alert(1)">x</a><script>alert(1)</script><b>there</b></p>',
  }).expect(201);
  expect(res.body.bodyHtml).not.toMatch(/script|onclick|javascript:/);
  expect(res.body.bodyHtml).toContain('<b>there</b>');
});

test('when attachments are given, then their metadata is kept; a bad URL is a 400', async () => {
  const t = await createTicket(app.container);
  const attachments = [
    { url: 'https://files.example.com/a.pdf', name: 'a.pdf', contentType: 'application/pdf', size: 1234 },
  ];
  const res = await post(t.id, agent, { body: 'see file', attachments }).expect(201);
  expect(res.body.attachments).toEqual(attachments);
  await post(t.id, agent, { body: 'x', attachments: [{ url: 'ftp://nope', name: 'a' }] }).expect(400);
});

test('when a viewer lists the conversation, then internal notes are hidden; staff see them', async () => {
  const t = await createTicket(app.container, { body: 'public question' });
  const note = await post(t.id, agent, { body: 'internal only', internal: true }).expect(201);
  const forViewer = await app.http.get(`/api/tickets/${t.id}/messages`).set(viewer.auth).expect(200);
  expect(forViewer.body.data.map((m: { internal: boolean }) => m.internal)).toEqual([false]);
  const forAgent = await app.http.get(`/api/tickets/${t.id}/messages`).set(agent.auth).expect(200);
  expect(forAgent.body.data).toHaveLength(2);
  await app.http.post(`/api/messages/${note.body.id}/read`).set(viewer.auth).expect(403);
  await post(t.id, viewer, { body: 'viewer reply' }).expect(403);
});

test('when an agent replies on a ticket assigned to someone else, then 403, but a note is allowed', async () => {
  const other = await createAgent(app.container);
  const t = await createTicket(app.container);
  await app.container.db.query(`UPDATE tickets SET assignee_id = $2 WHERE id = $1`, [t.id, other.agent.id]);
  await post(t.id, agent, { body: 'mine now' }).expect(403);
  await post(t.id, agent, { body: 'FYI for the assignee', internal: true }).expect(201);
  await post(t.id, other, { body: 'reply from assignee' }).expect(201);
});

test('when a message is edited or deleted, then only its author or a lead may, and the change is kept', async () => {
  const other = await createAgent(app.container);
  const t = await createTicket(app.container);
  const m = (await post(t.id, agent, { body: 'typo herre' }).expect(201)).body;
  await app.http.patch(`/api/messages/${m.id}`).set(other.auth).send({ body: 'hijack' }).expect(403);
  const edited = await app.http
    .patch(`/api/messages/${m.id}`)
    .set(agent.auth)
    .send({ body: 'typo here' })
    .expect(200);
  expect(edited.body).toMatchObject({ body: 'typo here', editedAt: expect.any(String) });
  await app.http.delete(`/api/messages/${m.id}`).set(other.auth).expect(403);
  await app.http.delete(`/api/messages/${m.id}`).set(lead.auth).expect(204);
  await app.http.patch(`/api/messages/${m.id}`).set(lead.auth).send({ body: 'gone' }).expect(404);
  const list = await app.http.get(`/api/tickets/${t.id}/messages`).set(lead.auth).expect(200);
  expect(list.body.data.find((x: { id: string }) => x.id === m.id)).toBeUndefined();
});

test('when a message is marked read, then readAt and readBy are set once', async () => {
  const t = await createTicket(app.container, { body: 'hello' });
  const [first] = (await app.http.get(`/api/tickets/${t.id}/messages`).set(agent.auth).expect(200)).body.data;
  const read = await app.http.post(`/api/messages/${first.id}/read`).set(agent.auth).expect(200);
  expect(read.body).toMatchObject({ readBy: agent.agent.id, readAt: expect.any(String) });
  const again = await app.http.post(`/api/messages/${first.id}/read`).set(lead.auth).expect(200);
  expect(again.body.readBy).toBe(agent.agent.id);
});

test('when a conversation is long, then it pages oldest first with a cursor', async () => {
  const t = await createTicket(app.container, { body: 'm0' });
  for (let i = 1; i < 5; i++) await post(t.id, agent, { body: `m${i}` }).expect(201);
  const p1 = await app.http.get(`/api/tickets/${t.id}/messages?limit=3`).set(agent.auth).expect(200);
  const p2 = await app.http
    .get(`/api/tickets/${t.id}/messages?limit=3&cursor=${p1.body.nextCursor}`)
    .set(agent.auth)
    .expect(200);
  expect([...p1.body.data, ...p2.body.data].map((m: { body: string }) => m.body)).toEqual([
    'm0',
    'm1',
    'm2',
    'm3',
    'm4',
  ]);
  expect(p2.body.nextCursor).toBeNull();
});

test('when messages are written, then domain events follow the commit', async () => {
  const seen: string[] = [];
  const off = app.container.events.on('message.created', (p) => {
    seen.push(`${p.authorType}:${p.internal}:${p.reopened}`);
  });
  try {
    const t = await createTicket(app.container);
    await app.http.patch(`/api/tickets/${t.id}`).set(agent.auth).send({ status: 'solved' }).expect(200);
    await post(t.id, agent, { body: 'back', author: 'customer' }).expect(201);
    await post(t.id, agent, { body: 'n', internal: true }).expect(201);
    await app.container.events.drain();
    expect(seen).toEqual(['customer:false:true', 'agent:true:false']);
  } finally {
    off();
  }
});
