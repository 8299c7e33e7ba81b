import { createAgent, createCustomer, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
let admin: AgentWithToken;
let lead: AgentWithToken;
let agent: AgentWithToken;

beforeAll(async () => {
  app = await startTestApp();
  admin = await createAgent(app.container, { role: 'admin' });
  lead = await createAgent(app.container, { role: 'lead' });
  agent = await createAgent(app.container, { role: 'agent' });
});
afterAll(async () => {
  await app.stop();
});

describe('agents', () => {
  test('when an admin creates an agent, then defaults apply and the hash never appears', async () => {
    const res = await app.http
      .post('/api/agents')
      .set(admin.auth)
      .send({
        email: 'New.Agent@Example.com',
        name: 'New Agent',
        password: 'long-enough-pw',
        role: 'agent',
        languages: ['EN', 'fr'],
      })
      .expect(201);
    expect(res.body).toMatchObject({
      email: 'new.agent@example.com',
      status: 'offline',
      maxConcurrentTickets: 5,
      acceptsNew: true,
      seniority: 'junior',
      languages: ['en', 'fr'],
      active: true,
    });
    expect(res.body).not.toHaveProperty('passwordHash');
    const dup = await app.http
      .post('/api/agents')
      .set(admin.auth)
      .send({ email: 'new.agent@EXAMPLE.com', name: 'Dup', password: 'long-enough-pw', role: 'agent' })
      .expect(409);
    expect(dup.body.error.code).toBe('email_taken');
    const list = await app.http.get('/api/agents?limit=100').set(agent.auth).expect(200);
    expect(JSON.stringify(list.body)).not.toMatch(/password/i);
  });

  test('when agents are listed with filters and pages, then each agent appears once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/agents?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await app.http.get(url).set(agent.auth).expect(200);
      seen.push(...res.body.data.map((a: { id: string }) => a.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([admin.agent.id, lead.agent.id, agent.agent.id]));
    const leads = await app.http.get('/api/agents?role=lead').set(agent.auth).expect(200);
    expect(leads.body.data.every((a: { role: string }) => a.role === 'lead')).toBe(true);
  });

  test('when an agent edits their own profile, then name/password/languages are allowed but role is not; others are off limits', async () => {
    const me = await createAgent(app.container);
    await app.http
      .patch(`/api/agents/${me.agent.id}`)
      .set(me.auth)
      .send({ name: 'Renamed', languages: ['de'] })
      .expect(200);
    await app.http.patch(`/api/agents/${me.agent.id}`).set(me.auth).send({ role: 'admin' }).expect(403);
    await app.http.patch(`/api/agents/${agent.agent.id}`).set(me.auth).send({ name: 'Nope' }).expect(403);
    await app.http
      .patch(`/api/agents/${me.agent.id}`)
      .set(lead.auth)
      .send({ maxConcurrentTickets: 9 })
      .expect(403);
    const upd = await app.http
      .patch(`/api/agents/${me.agent.id}`)
      .set(admin.auth)
      .send({ maxConcurrentTickets: 9, specializations: ['billing'] })
      .expect(200);
    expect(upd.body).toMatchObject({
      name: 'Renamed',
      maxConcurrentTickets: 9,
      specializations: ['billing'],
    });
  });

  test('when the last active admin would be demoted or deactivated, then 409', async () => {
    const solo = await startTestApp();
    try {
      const only = await createAgent(solo.container, { role: 'admin' });
      const res = await solo.http
        .patch(`/api/agents/${only.agent.id}`)
        .set(only.auth)
        .send({ role: 'lead' })
        .expect(409);
      expect(res.body.error.code).toBe('last_admin');
      await solo.http.delete(`/api/agents/${only.agent.id}`).set(only.auth).expect(409);
    } finally {
      await solo.stop();
    }
  });

  test('when an agent is deactivated, then it stays readable, goes offline and its sessions end', async () => {
    const gone = await createAgent(app.container);
    await app.http
      .put(`/api/agents/${gone.agent.id}/status`)
      .set(gone.auth)
      .send({ status: 'online' })
      .expect(200);
    await app.http.delete(`/api/agents/${gone.agent.id}`).set(admin.auth).expect(204);
    const res = await app.http.get(`/api/agents/${gone.agent.id}`).set(admin.auth).expect(200);
    expect(res.body).toMatchObject({ active: false, status: 'offline' });
    await app.http.get('/api/auth/me').set(gone.auth).expect(401);
  });

  test('when status changes, then self or a lead may set it, and an event is published once per change', async () => {
    const me = await createAgent(app.container);
    const events: string[] = [];
    const off = app.container.events.on('agent.status_changed', (p) => {
      if (p.agentId === me.agent.id) events.push(`${p.previous}->${p.status}`);
    });
    try {
      await app.http
        .put(`/api/agents/${me.agent.id}/status`)
        .set(me.auth)
        .send({ status: 'online' })
        .expect(200);
      await app.http
        .put(`/api/agents/${me.agent.id}/status`)
        .set(me.auth)
        .send({ status: 'online' })
        .expect(200);
      await app.http
        .put(`/api/agents/${me.agent.id}/status`)
        .set(agent.auth)
        .send({ status: 'away' })
        .expect(403);
      await app.http
        .put(`/api/agents/${me.agent.id}/status`)
        .set(lead.auth)
        .send({ status: 'away' })
        .expect(200);
      await app.http
        .put(`/api/agents/${me.agent.id}/status`)
        .set(me.auth)
        .send({ status: 'sleeping' })
        .expect(400);
      await app.container.events.drain();
      expect(events).toEqual(['offline->online', 'online->away']);
    } finally {
      off();
    }
  });
});

describe('customers', () => {
  test('when a customer is created twice with differently cased emails, then 409', async () => {
    const res = await app.http
      .post('/api/customers')
      .set(agent.auth)
      .send({
        email: 'Jane.Doe@Example.com',
        name: 'Jane Doe',
        language: 'pt-BR',
        timezone: 'Europe/Lisbon',
        tier: 'vip',
        phone: '+351 21 000 0000',
      })
      .expect(201);
    expect(res.body).toMatchObject({
      email: 'jane.doe@example.com',
      language: 'pt-br',
      tier: 'vip',
      lastContactAt: null,
    });
    const dup = await app.http
      .post('/api/customers')
      .set(agent.auth)
      .send({ email: 'JANE.DOE@example.com' })
      .expect(409);
    expect(dup.body.error.code).toBe('email_taken');
  });

  test('when values are invalid, then 400 names each field', async () => {
    const res = await app.http
      .post('/api/customers')
      .set(agent.auth)
      .send({ email: 'x@y.co', timezone: 'Mars/Olympus', tier: 'gold', phone: 'call me', extra: 1 })
      .expect(400);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.timezone', 'body.tier', 'body.phone']));
  });

  test('when searching by part of a name or email, then matching customers come back', async () => {
    const marker = `zz${Date.now()}`;
    const a = await createCustomer(app.container, {
      email: `${marker}.alpha@example.com`,
      name: 'Alpha Person',
    });
    const b = await createCustomer(app.container, {
      email: `other-${marker}@example.com`,
      name: `Beta ${marker}`,
    });
    const res = await app.http.get(`/api/customers?q=${marker}`).set(agent.auth).expect(200);
    expect(res.body.data.map((c: { id: string }) => c.id).sort()).toEqual([a.id, b.id].sort());
    const pct = await app.http
      .get(`/api/customers?q=${encodeURIComponent('%')}`)
      .set(agent.auth)
      .expect(200);
    expect(pct.body.data).toHaveLength(0);
  });

  test('when a customer is updated to another customer’s email, then 409; otherwise the change is kept', async () => {
    const a = await createCustomer(app.container);
    const b = await createCustomer(app.container);
    await app.http.patch(`/api/customers/${a.id}`).set(agent.auth).send({ email: b.email }).expect(409);
    const res = await app.http
      .patch(`/api/customers/${a.id}`)
      .set(agent.auth)
      .send({ name: 'Renamed', tier: 'vip' })
      .expect(200);
    expect(res.body).toMatchObject({ name: 'Renamed', tier: 'vip' });
    await app.http
      .patch(`/api/customers/00000000-0000-4000-8000-000000000000`)
      .set(agent.auth)
      .send({ name: 'x' })
      .expect(404);
  });
});
