import { createAgent, createCustomer, createTicket, type AgentWithToken } from '../factories';
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

const assign = (ticketId: string, agentId: string | null) =>
  app.container.db.query(`UPDATE tickets SET assignee_id = $2 WHERE id = $1`, [ticketId, agentId]);

describe('creating tickets', () => {
  test('when a ticket names a new customer by email, then the customer is created and the body becomes the first customer message', async () => {
    const email = `New.Person.${Date.now()}@Example.com`;
    const res = await app.http
      .post('/api/tickets')
      .set(agent.auth)
      .send({
        subject: 'Parcel lost',
        body: 'My parcel never came',
        customer: { email, name: 'New Person' },
        tags: ['Shipping', 'shipping'],
      })
      .expect(201);
    expect(res.body).toMatchObject({
      subject: 'Parcel lost',
      status: 'new',
      priority: 'normal',
      channel: 'web',
      tags: ['shipping'],
      assigneeId: null,
    });
    expect(res.body.number).toEqual(expect.any(Number));
    const customer = await app.http.get(`/api/customers/${res.body.customerId}`).set(agent.auth).expect(200);
    expect(customer.body.email).toBe(email.toLowerCase());
    expect(customer.body.lastContactAt).not.toBeNull();
    const messages = await app.http.get(`/api/tickets/${res.body.id}/messages`).set(agent.auth).expect(200);
    expect(messages.body.data).toHaveLength(1);
    expect(messages.body.data[0]).toMatchObject({
      author: 'customer',
      body: 'My parcel never came',
      internal: false,
    });
  });

  test('when the same new email opens tickets concurrently, then exactly one customer exists', async () => {
    const email = `storm-${Date.now()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.http
          .post('/api/tickets')
          .set(agent.auth)
          .send({ subject: `Storm ${i}`, customer: { email } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.body.customerId)).size).toBe(1);
    const [{ count }] = await app.container.db.query(
      `SELECT count(*)::int AS count FROM customers WHERE email = $1`,
      [email],
    );
    expect(count).toBe(1);
  });

  test('when tickets are created, then numbers increase one by one', async () => {
    const a = await createTicket(app.container);
    const b = await createTicket(app.container);
    expect(b.number).toBe(a.number + 1);
  });

  test('when the customer reference is missing, doubled or unknown, then 400 names the field and nothing is written', async () => {
    const before = await app.container.db.query(`SELECT count(*)::int AS n FROM tickets`);
    const none = await app.http.post('/api/tickets').set(agent.auth).send({ subject: 'x' }).expect(400);
    expect(none.body.error.details[0].field).toBe('body.customerId');
    const customer = await createCustomer(app.container);
    await app.http
      .post('/api/tickets')
      .set(agent.auth)
      .send({ subject: 'x', customerId: customer.id, customer: { email: 'a@b.co' } })
      .expect(400);
    const unknown = await app.http
      .post('/api/tickets')
      .set(agent.auth)
      .send({ subject: 'x', customerId: '00000000-0000-4000-8000-000000000000' })
      .expect(400);
    expect(unknown.body.error.details[0].field).toBe('body.customerId');
    const after = await app.container.db.query(`SELECT count(*)::int AS n FROM tickets`);
    expect(after[0].n).toBe(before[0].n);
  });

  test('when a write hook fails inside the transaction, then neither the ticket nor its new customer is stored', async () => {
    const email = `rollback-${Date.now()}@example.com`;
    const failing = {
      afterCreate: async () => {
        throw new Error('hook failed');
      },
    };
    app.container.ticketHooks.onWrite(failing);
    try {
      const res = await app.http
        .post('/api/tickets')
        .set(agent.auth)
        .send({ subject: 'Rolled back', body: 'hi', customer: { email } });
      expect(res.status).toBe(500);
      expect(res.body.error).toEqual({
        code: 'internal_error',
        message: 'Internal server error',
        details: [],
        requestId: expect.any(String),
      });
    } finally {
      app.container.ticketHooks.write.splice(app.container.ticketHooks.write.indexOf(failing), 1);
    }
    const rows = await app.container.db.query(
      `SELECT 1 FROM customers WHERE email = $1 UNION ALL SELECT 1 FROM tickets WHERE subject = 'Rolled back'`,
      [email],
    );
    expect(rows).toHaveLength(0);
  });

  test('when an agent passes createdAt, then 403; when a lead does, then it is kept (imports)', async () => {
    const customer = await createCustomer(app.container);
    const createdAt = '2026-01-05T10:00:00.000Z';
    await app.http
      .post('/api/tickets')
      .set(agent.auth)
      .send({ subject: 'Import', customerId: customer.id, createdAt })
      .expect(403);
    const res = await app.http
      .post('/api/tickets')
      .set(lead.auth)
      .send({ subject: 'Import', customerId: customer.id, createdAt, body: 'old' })
      .expect(201);
    expect(res.body.createdAt).toBe(createdAt);
    const future = new Date(Date.now() + 3600_000).toISOString();
    await app.http
      .post('/api/tickets')
      .set(lead.auth)
      .send({ subject: 'Import', customerId: customer.id, createdAt: future })
      .expect(400);
  });

  test('when a viewer creates a ticket, then 403', async () => {
    await app.http
      .post('/api/tickets')
      .set(viewer.auth)
      .send({ subject: 'x', customer: { email: 'v@example.com' } })
      .expect(403);
  });
});

describe('updating tickets', () => {
  test('when the status moves, then history is recorded and solved/reopened set and clear resolvedAt', async () => {
    const t = await createTicket(app.container);
    const solved = await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(agent.auth)
      .send({ status: 'solved' })
      .expect(200);
    expect(solved.body.resolvedAt).not.toBeNull();
    const reopened = await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(agent.auth)
      .send({ status: 'open' })
      .expect(200);
    expect(reopened.body.resolvedAt).toBeNull();
    const history = await app.container.db.query(
      `SELECT from_status, to_status FROM ticket_status_changes WHERE ticket_id = $1 ORDER BY id`,
      [t.id],
    );
    expect(history).toEqual([
      { from_status: null, to_status: 'new' },
      { from_status: 'new', to_status: 'solved' },
      { from_status: 'solved', to_status: 'open' },
    ]);
  });

  test('when a ticket is closed, then any change to it or its conversation is a 409', async () => {
    const t = await createTicket(app.container, { body: 'hello' });
    await app.http.patch(`/api/tickets/${t.id}`).set(lead.auth).send({ status: 'closed' }).expect(200);
    const res = await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(lead.auth)
      .send({ status: 'open' })
      .expect(409);
    expect(res.body.error.code).toBe('ticket_closed');
    await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(lead.auth)
      .send({ tags: ['x'] })
      .expect(409);
    await app.http.post(`/api/tickets/${t.id}/messages`).set(lead.auth).send({ body: 'late' }).expect(409);
  });

  test('when an agent edits a ticket assigned to someone else, then 403; unassigned or own, then 200', async () => {
    const other = await createAgent(app.container);
    const t = await createTicket(app.container);
    await app.http.patch(`/api/tickets/${t.id}`).set(agent.auth).send({ priority: 'high' }).expect(200);
    await assign(t.id, other.agent.id);
    const res = await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(agent.auth)
      .send({ priority: 'low' })
      .expect(403);
    expect(res.body.error.code).toBe('not_your_ticket');
    await app.http.patch(`/api/tickets/${t.id}`).set(other.auth).send({ priority: 'low' }).expect(200);
    await app.http.patch(`/api/tickets/${t.id}`).set(lead.auth).send({ priority: 'urgent' }).expect(200);
  });

  test('when the update names unknown fields or bad values, then 400 and nothing changes', async () => {
    const t = await createTicket(app.container);
    const res = await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(agent.auth)
      .send({ status: 'lost', colour: 'red' })
      .expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    await app.http.patch(`/api/tickets/${t.id}`).set(agent.auth).send({}).expect(400);
    const after = await app.http.get(`/api/tickets/${t.id}`).set(agent.auth).expect(200);
    expect(after.body.status).toBe('new');
  });

  test('when a ticket is deleted by a lead, then it is gone from reads and lists but kept in the database; agents may not delete', async () => {
    const t = await createTicket(app.container, { subject: 'To be deleted' });
    await app.http.delete(`/api/tickets/${t.id}`).set(agent.auth).expect(403);
    await app.http.delete(`/api/tickets/${t.id}`).set(lead.auth).expect(204);
    await app.http.get(`/api/tickets/${t.id}`).set(lead.auth).expect(404);
    await app.http.delete(`/api/tickets/${t.id}`).set(lead.auth).expect(404);
    const list = await app.http.get(`/api/tickets?customerId=${t.customerId}`).set(lead.auth).expect(200);
    expect(list.body.data).toHaveLength(0);
    const rows = await app.container.db.query(`SELECT deleted_at FROM tickets WHERE id = $1`, [t.id]);
    expect(rows[0].deleted_at).not.toBeNull();
  });

  test('when the path id is not a uuid, then 400; when it names nothing, then 404', async () => {
    const bad = await app.http.get('/api/tickets/not-a-uuid').set(agent.auth).expect(400);
    expect(bad.body.error.code).toBe('invalid_parameter');
    await app.http.get('/api/tickets/00000000-0000-4000-8000-000000000000').set(agent.auth).expect(404);
  });
});

describe('listing and searching', () => {
  test('when filters are combined, then only matching tickets come back', async () => {
    const customer = await createCustomer(app.container);
    const a = await createTicket(app.container, {
      customerId: customer.id,
      priority: 'high',
      channel: 'email',
      tags: ['vip-order'],
    });
    const b = await createTicket(app.container, {
      customerId: customer.id,
      priority: 'low',
      channel: 'chat',
      category: 'billing',
    });
    await assign(b.id, agent.agent.id);
    const q = (s: string) =>
      app.http.get(`/api/tickets?customerId=${customer.id}&${s}`).set(viewer.auth).expect(200);
    expect((await q('priority=high')).body.data.map((t: { id: string }) => t.id)).toEqual([a.id]);
    expect((await q('channel=chat,phone')).body.data.map((t: { id: string }) => t.id)).toEqual([b.id]);
    expect((await q('tag=vip-order')).body.data.map((t: { id: string }) => t.id)).toEqual([a.id]);
    expect((await q('category=billing')).body.data.map((t: { id: string }) => t.id)).toEqual([b.id]);
    expect((await q(`assigneeId=${agent.agent.id}`)).body.data.map((t: { id: string }) => t.id)).toEqual([
      b.id,
    ]);
    expect((await q('assigneeId=none')).body.data.map((t: { id: string }) => t.id)).toEqual([a.id]);
    expect((await q('status=new')).body.data).toHaveLength(2);
    await app.http.get('/api/tickets?status=lost').set(viewer.auth).expect(400);
  });

  test('when searching, then stemmed words in subjects and public messages match, but internal notes do not', async () => {
    const marker = `zq${Date.now()}`;
    const t = await createTicket(app.container, {
      subject: `Refunds for ${marker}`,
      body: 'The parcels were damaged',
    });
    await app.http
      .post(`/api/tickets/${t.id}/messages`)
      .set(lead.auth)
      .send({ body: `secret ${marker}note`, internal: true })
      .expect(201);
    const ids = async (q: string) =>
      (
        await app.http
          .get(`/api/tickets?q=${encodeURIComponent(q)}`)
          .set(agent.auth)
          .expect(200)
      ).body.data.map((x: { id: string }) => x.id);
    expect(await ids(`${marker} refund`)).toEqual([t.id]);
    expect(await ids(`${marker} damage parcel`)).toEqual([t.id]);
    expect(await ids(`${marker}note`)).toEqual([]);
    await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(lead.auth)
      .send({ subject: `Exchange ${marker}` })
      .expect(200);
    expect(await ids(`${marker} refund`)).toEqual([]);
    expect(await ids(`${marker} exchange`)).toEqual([t.id]);
  });

  test.each(['smart', 'created', 'updated'])(
    'when walking all pages sorted by %s, then every ticket appears exactly once in order',
    async (sort) => {
      const customer = await createCustomer(app.container);
      const priorities = ['low', 'normal', 'high', 'urgent'] as const;
      const created = [];
      for (let i = 0; i < 11; i++)
        created.push(
          await createTicket(app.container, { customerId: customer.id, priority: priorities[i % 4] }),
        );
      const seen: Array<{ id: string; priority: string; createdAt: string }> = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/tickets?customerId=${customer.id}&sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await app.http.get(url).set(agent.auth).expect(200);
        seen.push(...res.body.data);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen.map((t) => t.id).sort()).toEqual(created.map((t) => t.id).sort());
      if (sort === 'smart') {
        const ranks = seen.map((t) => ({ low: 1, normal: 2, high: 3, urgent: 4 })[t.priority] ?? 0);
        expect(ranks).toEqual([...ranks].sort((x, y) => y - x));
      } else {
        const times = seen.map((t) => t.createdAt);
        expect(times).toEqual([...times].sort().reverse());
      }
    },
  );

  test('when a cursor is forged or from another ordering, then 400 invalid_cursor', async () => {
    const forged = Buffer.from(JSON.stringify(['smart', 'x', 'y', 'z'])).toString('base64url');
    const res = await app.http.get(`/api/tickets?cursor=${forged}`).set(agent.auth).expect(400);
    expect(res.body.error.code).toBe('invalid_cursor');
    const created = Buffer.from(
      JSON.stringify(['created', '2026-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
    ).toString('base64url');
    await app.http.get(`/api/tickets?sort=smart&cursor=${created}`).set(agent.auth).expect(400);
    await app.http.get(`/api/tickets?cursor=%%%`).set(agent.auth).expect(400);
    await app.http.get(`/api/tickets?limit=1000`).set(agent.auth).expect(400);
  });
});

describe('concurrent edits', () => {
  test('when an update carries the ETag of an older read, then 409 stale_update and nothing changes', async () => {
    const t = await createTicket(app.container);
    const read = await app.http.get(`/api/tickets/${t.id}`).set(agent.auth).expect(200);
    const etag = read.headers.etag as string;
    expect(etag).toMatch(/^"\d+"$/);
    const first = await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(agent.auth)
      .set('If-Match', etag)
      .send({ priority: 'high' })
      .expect(200);
    expect(first.headers.etag).not.toBe(etag);
    const stale = await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(lead.auth)
      .set('If-Match', etag)
      .send({ priority: 'low' })
      .expect(409);
    expect(stale.body.error.code).toBe('stale_update');
    expect((await app.http.get(`/api/tickets/${t.id}`).set(agent.auth)).body.priority).toBe('high');
    await app.http
      .patch(`/api/tickets/${t.id}`)
      .set(lead.auth)
      .set('If-Match', first.headers.etag)
      .send({ priority: 'low' })
      .expect(200);
  });
});

describe('smart order', () => {
  test('when tickets have no running SLA clock, then the more valuable customer comes first, then priority, then age', async () => {
    const customer = await createCustomer(app.container);
    const plain = await createTicket(app.container, { customerId: customer.id, priority: 'high' });
    const valuable = await createTicket(app.container, { customerId: customer.id, priority: 'low' });
    const older = await createTicket(app.container, { customerId: customer.id, priority: 'high' });
    await app.container.db.query(`UPDATE tickets SET customer_value = 120.5 WHERE id = $1`, [valuable.id]);
    await app.container.db.query(
      `UPDATE tickets SET created_at = created_at - interval '1 hour' WHERE id = $1`,
      [older.id],
    );
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/tickets?customerId=${customer.id}&sort=smart&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await app.http.get(url).set(agent.auth).expect(200);
      ids.push(...res.body.data.map((t: { id: string }) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual([valuable.id, older.id, plain.id]);
  });
});
