import { createAgent } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { LOGIN_MAX_FAILURES_PER_EMAIL: '3', LOGIN_MAX_FAILURES_PER_IP: '8' } });
});
afterAll(async () => {
  await app.stop();
});

const password = 'correct-horse-battery';

function login(email: string, pw = password) {
  return app.http.post('/api/auth/login').send({ email, password: pw });
}

describe('login', () => {
  test('when credentials are right, then tokens and the agent (without hash) come back', async () => {
    const { agent } = await createAgent(app.container);
    const res = await login(agent.email.toUpperCase()).expect(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(res.body.refreshToken).toEqual(expect.any(String));
    expect(res.body.expiresIn).toBe(900);
    expect(res.body.agent.id).toBe(agent.id);
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|\$2b\$/);
    const me = await app.http
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${res.body.accessToken}`)
      .expect(200);
    expect(me.body.email).toBe(agent.email);
  });

  test('when the email is unknown or the password wrong, then the same 401 answer is given', async () => {
    const { agent } = await createAgent(app.container);
    const unknown = await login('nobody-here@test.example').expect(401);
    const wrong = await login(agent.email, 'wrong-password').expect(401);
    expect(unknown.body.error.code).toBe(wrong.body.error.code);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  test('when an agent is deactivated, then they cannot log in', async () => {
    const { agent } = await createAgent(app.container);
    await app.container.services.agents.deactivate(agent.id);
    await login(agent.email).expect(401);
  });

  test('when an email fails repeatedly, then it is throttled with 429 and Retry-After, even with the right password', async () => {
    const { agent } = await createAgent(app.container);
    for (let i = 0; i < 3; i++) await login(agent.email, 'nope-nope').expect(401);
    const res = await login(agent.email).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body.error.code).toBe('rate_limited');
  });

  test('when the body is invalid, then 400 names the fields', async () => {
    const res = await app.http.post('/api/auth/login').send({ email: 'not-an-email' }).expect(400);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.password']));
  });
});

describe('refresh tokens', () => {
  test('when a refresh token is used, then a new pair comes back and the old token is dead', async () => {
    const { agent } = await createAgent(app.container);
    const first = (await login(agent.email).expect(200)).body;
    const second = (
      await app.http.post('/api/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200)
    ).body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await app.http.get('/api/auth/me').set('Authorization', `Bearer ${second.accessToken}`).expect(200);
    const third = (
      await app.http.post('/api/auth/refresh').send({ refreshToken: second.refreshToken }).expect(200)
    ).body;
    expect(third.accessToken).toEqual(expect.any(String));
  });

  test('when a rotated token is reused, then the whole family is revoked, access token included', async () => {
    const { agent } = await createAgent(app.container);
    const first = (await login(agent.email).expect(200)).body;
    const second = (
      await app.http.post('/api/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200)
    ).body;
    const reuse = await app.http
      .post('/api/auth/refresh')
      .send({ refreshToken: first.refreshToken })
      .expect(401);
    expect(reuse.body.error.code).toBe('refresh_token_reused');
    await app.http.post('/api/auth/refresh').send({ refreshToken: second.refreshToken }).expect(401);
    await app.http.get('/api/auth/me').set('Authorization', `Bearer ${second.accessToken}`).expect(401);
  });

  test('when a refresh token is forged or malformed, then 401', async () => {
    const { refreshToken } = await createAgent(app.container);
    const [id] = refreshToken.split('.');
    await app.http
      .post('/api/auth/refresh')
      .send({ refreshToken: `${id}.forged-secret-forged-secret` })
      .expect(401);
    await app.http.post('/api/auth/refresh').send({ refreshToken: 'garbage-token-value' }).expect(401);
  });
});

describe('logout and revocation', () => {
  test('when an agent logs out, then that session’s access and refresh tokens stop working', async () => {
    const { agent } = await createAgent(app.container);
    const s = (await login(agent.email).expect(200)).body;
    await app.http.post('/api/auth/logout').set('Authorization', `Bearer ${s.accessToken}`).expect(204);
    await app.http.get('/api/auth/me').set('Authorization', `Bearer ${s.accessToken}`).expect(401);
    await app.http.post('/api/auth/refresh').send({ refreshToken: s.refreshToken }).expect(401);
  });

  test('when an admin changes an agent’s role, then the agent’s existing tokens stop working', async () => {
    const admin = await createAgent(app.container, { role: 'admin' });
    const target = await createAgent(app.container);
    await app.http.get('/api/auth/me').set(target.auth).expect(200);
    await app.http.patch(`/api/agents/${target.agent.id}`).set(admin.auth).send({ role: 'lead' }).expect(200);
    await app.http.get('/api/auth/me').set(target.auth).expect(401);
    await app.http.post('/api/auth/refresh').send({ refreshToken: target.refreshToken }).expect(401);
  });

  test('when the token is missing, malformed, forged or expired, then 401', async () => {
    await app.http.get('/api/auth/me').expect(401);
    await app.http.get('/api/auth/me').set('Authorization', 'Basic abc').expect(401);
    await app.http.get('/api/auth/me').set('Authorization', 'Bearer not.a.jwt').expect(401);
    const { token } = await createAgent(app.container);
    const [h, p] = token.split('.');
    await app.http.get('/api/auth/me').set('Authorization', `Bearer ${h}.${p}.forgedsignature`).expect(401);
  });
});

describe('expiry', () => {
  let short: TestApp;
  beforeAll(async () => {
    short = await startTestApp({ env: { JWT_ACCESS_TTL_SECONDS: '30' } });
  });
  afterAll(async () => {
    await short.stop();
  });

  test('when an access token has expired, then 401 token_expired', async () => {
    const { agent } = await createAgent(short.container);
    const session = await short.container.services.auth.startSession(agent);
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 31_000;
      const res = await short.http
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${session.accessToken}`)
        .expect(401);
      expect(res.body.error.code).toBe('token_expired');
    } finally {
      Date.now = realNow;
    }
  });
});
