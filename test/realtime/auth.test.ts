import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import { AccessTokens } from '../../src/modules/auth/access-tokens';
import { createAgent, type AgentWithToken } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';
import { refusal, TestClient } from './realtime-client';

let app: TestApp;
const clients: TestClient[] = [];

beforeAll(async () => {
  app = await startTestApp({
    env: {
      REALTIME_AUTH_WARN_SECONDS: '1',
      REALTIME_PING_INTERVAL_MS: '200',
      REALTIME_PING_TIMEOUT_MS: '400',
    },
  });
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await app.stop();
});

async function connect(token: string): Promise<TestClient> {
  const client = await TestClient.connect(app.url, { token });
  clients.push(client);
  return client;
}

/** An access token for the agent that expires in `seconds`, signed like the real ones. */
function shortLived(who: AgentWithToken, seconds: number): string {
  return new AccessTokens(app.config.auth.jwtSecret, seconds).sign({
    id: who.agent.id,
    role: who.agent.role,
    sessionId: randomUUID(),
  });
}

const claims = (who: AgentWithToken) => ({
  sub: who.agent.id,
  role: who.agent.role,
  sid: randomUUID(),
  ims: Date.now(),
});

describe('the handshake', () => {
  test('when no token is given, then the connection is refused', async () => {
    expect(await refusal(app.url, undefined)).toEqual({
      message: 'Authentication required',
      code: 'missing_token',
    });
    expect(await refusal(app.url, { token: '' })).toMatchObject({ code: 'missing_token' });
  });

  test('when the token is forged or garbage, then the connection is refused', async () => {
    const who = await createAgent(app.container);
    const forged = jwt.sign(claims(who), 'another-secret-another-secret-another-secret', { expiresIn: 600 });
    expect(await refusal(app.url, { token: forged })).toEqual({
      message: 'Invalid access token',
      code: 'invalid_token',
    });
    expect(await refusal(app.url, { token: 'not.a.jwt' })).toMatchObject({ code: 'invalid_token' });
  });

  test('when the token has expired, then the connection is refused', async () => {
    const who = await createAgent(app.container);
    const expired = jwt.sign(
      { ...claims(who), exp: Math.floor(Date.now() / 1000) - 10 },
      app.config.auth.jwtSecret,
    );
    expect(await refusal(app.url, { token: expired })).toEqual({
      message: 'Access token expired',
      code: 'token_expired',
    });
  });

  test('when the session was ended by logout, then its token no longer connects', async () => {
    const who = await createAgent(app.container);
    await app.http.post('/api/auth/logout').set(who.auth).expect(204);
    expect(await refusal(app.url, { token: who.token })).toMatchObject({ code: 'session_revoked' });
  });

  test('when the token is valid, then the session is ready with the personal rooms', async () => {
    const lead = await createAgent(app.container, { role: 'lead' });
    const client = await connect(lead.token);
    expect(client.ready).toMatchObject({ agentId: lead.agent.id, role: 'lead', replayed: 0 });
    expect(Object.keys(client.ready?.seq ?? {}).sort()).toEqual(
      [`agent:${lead.agent.id}`, 'everyone', 'role:lead'].sort(),
    );
  });
});

describe('token lifetime on an open socket', () => {
  test('when the access token runs out and no fresh one comes, then the server warns and then drops the connection', async () => {
    const who = await createAgent(app.container);
    const client = await connect(shortLived(who, 2));
    const warning = await client.waitFor('auth:expiring');
    expect(Date.parse(warning.expiresAt)).toBeGreaterThan(Date.now() - 1000);
    expect(await client.waitFor('auth:expired')).toEqual({ reason: 'token_expired' });
    expect(await client.waitForDisconnect()).toBe('io server disconnect');
  });

  test('when a token already inside the warning window connects, then the warning comes at once', async () => {
    // A second API on the same store, warning a minute ahead: a 20-second token is inside that
    // window from the start, with room for a slow connect.
    const early = await startTestApp({ share: app, env: { REALTIME_AUTH_WARN_SECONDS: '60' } });
    try {
      const who = await createAgent(app.container);
      const client = await TestClient.connect(early.url, { token: shortLived(who, 20) });
      clients.push(client);
      const warning = await client.waitFor('auth:expiring');
      expect(Date.parse(warning.expiresAt)).toBeGreaterThan(Date.now());
      expect(client.received('auth:expired')).toHaveLength(0);
      expect(client.received('auth:expiring')).toHaveLength(1);
      client.close();
    } finally {
      await early.stop();
    }
  });

  test('when the client sends a fresh token with auth:refresh, then the connection outlives the old token', async () => {
    const who = await createAgent(app.container);
    const client = await connect(shortLived(who, 2));
    await client.waitFor('auth:expiring');
    const refreshed = await app.http
      .post('/api/auth/refresh')
      .send({ refreshToken: who.refreshToken })
      .expect(200);
    const ack = await client.ask('auth:refresh', { token: refreshed.body.accessToken });
    expect(ack.ok).toBe(true);
    if (ack.ok) expect(Date.parse(ack.expiresAt)).toBeGreaterThan(Date.now() + 60_000);
    await sleep(2000); // past the first token's expiry
    expect(client.socket.connected).toBe(true);
    expect(client.received('auth:expired')).toHaveLength(0);
  });

  test("when auth:refresh carries another agent's token, then it is refused and the old expiry stands", async () => {
    const who = await createAgent(app.container);
    const other = await createAgent(app.container);
    const client = await connect(shortLived(who, 2));
    const ack = await client.ask('auth:refresh', { token: other.token });
    expect(ack).toMatchObject({ ok: false, error: { code: 'agent_mismatch' } });
    expect(await client.waitFor('auth:expired')).toEqual({ reason: 'token_expired' });
  });

  test('when the session is revoked while connected, then the socket is dropped at the next heartbeat', async () => {
    const who = await createAgent(app.container);
    const client = await connect(who.token);
    await app.http.post('/api/auth/logout').set(who.auth).expect(204);
    expect(await client.waitFor('auth:expired')).toEqual({ reason: 'session_revoked' });
    await client.waitForDisconnect();
  });
});
