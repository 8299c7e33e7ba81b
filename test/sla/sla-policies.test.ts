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

const officeHours = {
  timezone: 'Europe/London',
  weekly: {
    mon: [
      ['09:00', '12:30'],
      ['13:30', '17:30'],
    ],
    fri: [['09:00', '24:00']],
  },
  holidays: ['2026-12-25', '2026-12-25', '2026-12-24'],
};

const post = (body: object, who: AgentWithToken = lead) =>
  app.http.post('/api/sla/policies').set(who.auth).send(body);

const problems = (res: { body: { error: { details: Array<{ field: string; message: string }> } } }) =>
  res.body.error.details.map((d) => d.field);

describe('writing policies', () => {
  test('when a lead creates a policy with business hours, then it is stored and listed for everyone', async () => {
    const res = await post({
      priority: 'high',
      firstResponseMinutes: 60,
      resolutionMinutes: 480,
      nextReplyMinutes: 120,
      businessHours: officeHours,
    }).expect(201);
    expect(res.body).toMatchObject({
      name: 'High priority',
      priority: 'high',
      firstResponseMinutes: 60,
      resolutionMinutes: 480,
      nextReplyMinutes: 120,
      version: 1,
      businessHours: { timezone: 'Europe/London', holidays: ['2026-12-24', '2026-12-25'] },
    });
    const list = await app.http.get('/api/sla/policies').set(viewer.auth).expect(200);
    expect(list.body.data.map((p: { id: string }) => p.id)).toContain(res.body.id);
    await app.http.get(`/api/sla/policies/${res.body.id}`).set(agent.auth).expect(200);
  });

  test('when a priority already has a policy, then a second one is a 409', async () => {
    await post({ priority: 'low', firstResponseMinutes: 600, resolutionMinutes: 6000 }).expect(201);
    const res = await post({ priority: 'low', firstResponseMinutes: 60, resolutionMinutes: 600 }).expect(409);
    expect(res.body.error.code).toBe('sla_policy_exists');
  });

  test('when an agent or a viewer tries to write a policy, then it is a 403', async () => {
    await post({ priority: 'urgent', firstResponseMinutes: 5, resolutionMinutes: 60 }, agent).expect(403);
    await post({ priority: 'urgent', firstResponseMinutes: 5, resolutionMinutes: 60 }, viewer).expect(403);
  });

  test('when a policy is deleted, then it is gone and its priority can get a new one', async () => {
    const created = await post({
      priority: 'urgent',
      firstResponseMinutes: 15,
      resolutionMinutes: 120,
    }).expect(201);
    await app.http.delete(`/api/sla/policies/${created.body.id}`).set(lead.auth).expect(204);
    await app.http.get(`/api/sla/policies/${created.body.id}`).set(lead.auth).expect(404);
    await app.http.delete(`/api/sla/policies/${created.body.id}`).set(lead.auth).expect(404);
    await post({ priority: 'urgent', firstResponseMinutes: 10, resolutionMinutes: 90 }).expect(201);
  });
});

describe('validation', () => {
  const base = { priority: 'normal', firstResponseMinutes: 60, resolutionMinutes: 480 };
  const withHours = (businessHours: object) => post({ ...base, businessHours });

  test('when a target is negative, zero or fractional, then it is a 400 naming the field', async () => {
    expect(problems(await post({ ...base, firstResponseMinutes: -5 }).expect(400))).toEqual([
      'body.firstResponseMinutes',
    ]);
    expect(problems(await post({ ...base, resolutionMinutes: 0 }).expect(400))).toEqual([
      'body.resolutionMinutes',
    ]);
    expect(problems(await post({ ...base, nextReplyMinutes: 1.5 }).expect(400))).toEqual([
      'body.nextReplyMinutes',
    ]);
  });

  test('when the time zone is unknown, then it is a 400 naming the field', async () => {
    const res = await withHours({ ...officeHours, timezone: 'Mars/Olympus_Mons' }).expect(400);
    expect(problems(res)).toEqual(['body.businessHours.timezone']);
  });

  test('when intervals overlap, then it is a 400 naming the interval', async () => {
    const res = await withHours({
      timezone: 'UTC',
      weekly: {
        tue: [
          ['09:00', '12:00'],
          ['13:00', '17:00'],
          ['11:30', '12:30'],
        ],
      },
    }).expect(400);
    expect(problems(res)).toEqual(['body.businessHours.weekly.tue.2']);
    expect(res.body.error.details[0].message).toMatch(/overlaps interval 0/);
  });

  test('when an interval is reversed or empty, then it is a 400 naming it', async () => {
    const reversed = await withHours({ timezone: 'UTC', weekly: { wed: [['17:00', '09:00']] } }).expect(400);
    expect(problems(reversed)).toEqual(['body.businessHours.weekly.wed.0.1']);
    const empty = await withHours({ timezone: 'UTC', weekly: { wed: [['09:00', '09:00']] } }).expect(400);
    expect(problems(empty)).toEqual(['body.businessHours.weekly.wed.0.1']);
  });

  test('when a time is malformed or starts at 24:00, then it is a 400', async () => {
    expect(
      problems(await withHours({ timezone: 'UTC', weekly: { mon: [['9:00', '17:00']] } }).expect(400)),
    ).toEqual(['body.businessHours.weekly.mon.0.0']);
    expect(
      problems(await withHours({ timezone: 'UTC', weekly: { mon: [['24:00', '24:00']] } }).expect(400)),
    ).toEqual(['body.businessHours.weekly.mon.0.0']);
    expect(
      problems(await withHours({ timezone: 'UTC', weekly: { mon: [['09:00', '24:30']] } }).expect(400)),
    ).toEqual(['body.businessHours.weekly.mon.0.1']);
  });

  test('when a holiday is not a real date, then it is a 400 naming it', async () => {
    const res = await withHours({
      ...officeHours,
      holidays: ['2026-12-25', '2026-02-30', 'tomorrow'],
    }).expect(400);
    expect(problems(res)).toEqual(['body.businessHours.holidays.1', 'body.businessHours.holidays.2']);
  });

  test('when the week has no interval or an unknown day, then it is a 400', async () => {
    expect(problems(await withHours({ timezone: 'UTC', weekly: { mon: [] } }).expect(400))).toEqual([
      'body.businessHours.weekly',
    ]);
    const unknownDay = await withHours({ timezone: 'UTC', weekly: { monday: [['09:00', '17:00']] } }).expect(
      400,
    );
    expect(problems(unknownDay)[0]).toMatch(/^body\.businessHours\.weekly/);
  });

  test('when an edit is invalid, then nothing is changed', async () => {
    const created = await post({ ...base, priority: 'normal' }).expect(201);
    await app.http
      .patch(`/api/sla/policies/${created.body.id}`)
      .set(lead.auth)
      .send({ firstResponseMinutes: 30, businessHours: { timezone: 'Nowhere/Land', weekly: {} } })
      .expect(400);
    const after = await app.http.get(`/api/sla/policies/${created.body.id}`).set(lead.auth).expect(200);
    expect(after.body).toMatchObject({ firstResponseMinutes: 60, version: 1 });
  });
});

describe('versions', () => {
  test('when a policy is edited, then tickets created before keep their targets and new tickets get the new ones', async () => {
    const policies = await app.http.get('/api/sla/policies').set(lead.auth).expect(200);
    const normal = policies.body.data.find((p: { priority: string }) => p.priority === 'normal');
    const before = await createTicket(app.container, { priority: 'normal' });
    const edited = await app.http
      .patch(`/api/sla/policies/${normal.id}`)
      .set(lead.auth)
      .send({ firstResponseMinutes: 15, businessHours: null })
      .expect(200);
    expect(edited.body).toMatchObject({
      firstResponseMinutes: 15,
      version: normal.version + 1,
      businessHours: null,
    });
    const after = await createTicket(app.container, { priority: 'normal' });

    const slaOf = async (id: string) =>
      (await app.http.get(`/api/sla/tickets/${id}`).set(lead.auth).expect(200)).body;
    const old = await slaOf(before.id);
    const fresh = await slaOf(after.id);
    expect(old.policyVersion).toBe(normal.version);
    expect(fresh.policyVersion).toBe(normal.version + 1);
    expect(new Date(old.firstResponseDueAt).getTime() - before.createdAt.getTime()).toBe(60 * 60_000);
    expect(new Date(fresh.firstResponseDueAt).getTime() - after.createdAt.getTime()).toBe(15 * 60_000);
  });

  test('when an edit changes nothing, then no new version is written', async () => {
    const policies = await app.http.get('/api/sla/policies').set(lead.auth).expect(200);
    const high = policies.body.data.find((p: { priority: string }) => p.priority === 'high');
    const same = await app.http
      .patch(`/api/sla/policies/${high.id}`)
      .set(lead.auth)
      .send({ firstResponseMinutes: high.firstResponseMinutes })
      .expect(200);
    expect(same.body.version).toBe(high.version);
  });

  test('when a policy moves to a priority that has one, then it is a 409', async () => {
    const policies = await app.http.get('/api/sla/policies').set(lead.auth).expect(200);
    const high = policies.body.data.find((p: { priority: string }) => p.priority === 'high');
    const res = await app.http
      .patch(`/api/sla/policies/${high.id}`)
      .set(lead.auth)
      .send({ priority: 'low' })
      .expect(409);
    expect(res.body.error.code).toBe('sla_policy_exists');
  });
});

test('when the OpenAPI document is read, then it describes the SLA routes', async () => {
  const doc = await app.http.get('/openapi.json').expect(200);
  expect(Object.keys(doc.body.paths)).toEqual(
    expect.arrayContaining([
      '/api/sla/policies',
      '/api/sla/policies/{id}',
      '/api/sla/tickets/{id}',
      '/api/sla/breaches',
      '/api/sla/at-risk',
      '/api/sla/dashboard',
    ]),
  );
});
