import { randomUUID } from 'node:crypto';
import { roles, type Role } from '../../src/platform/security/actor';
import type { AnyRoute } from '../../src/platform/http/route';
import type { AgentEntity } from '../../src/modules/agents/agent.entity';
import { createAgent } from '../factories';
import { startTestApp, type TestApp } from '../setup/test-app';

/**
 * Walks every route declared in the container × every role: a role the route does not list is
 * refused with 403 role_not_allowed; a listed role is never refused by the role check, never
 * 401, never 500. New routes are covered automatically.
 */
let app: TestApp;
const agents = new Map<Role, AgentEntity>();

beforeAll(async () => {
  app = await startTestApp();
  for (const role of roles) agents.set(role, (await createAgent(app.container, { role })).agent);
});

/** A fresh session per call: some routes (logout) end the session they are called with. */
async function tokenFor(role: Role): Promise<string> {
  const agent = agents.get(role);
  if (!agent) throw new Error(`no ${role}`);
  return (await app.container.services.auth.startSession(agent)).accessToken;
}
afterAll(async () => {
  await app.stop();
});

const concretePath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, () => randomUUID());

function call(route: AnyRoute, token?: string) {
  const req = app.http[route.method](concretePath(route.path));
  if (token) req.set('Authorization', `Bearer ${token}`);
  return ['post', 'put', 'patch'].includes(route.method) ? req.send({}) : req;
}

test('when the container is built, then it declares routes and no two share a method and path', () => {
  const keys = app.container.routes.map((r) => `${r.method} ${r.path}`);
  expect(keys.length).toBeGreaterThan(20);
  expect(new Set(keys).size).toBe(keys.length);
});

test('when a protected route is called without a token, then 401', async () => {
  for (const route of app.container.routes.filter((r) => r.roles !== 'public')) {
    const res = await call(route);
    expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
      route: `${route.method} ${route.path}`,
      status: 401,
    });
  }
});

test('when each role calls each route, then only the listed roles get past the role check', async () => {
  const problems: string[] = [];
  for (const route of app.container.routes.filter((r) => r.roles !== 'public')) {
    for (const role of roles) {
      const res = await call(route, await tokenFor(role));
      const allowed = (route.roles as readonly Role[]).includes(role);
      const refusedByRole = res.status === 403 && res.body?.error?.code === 'role_not_allowed';
      // 503 is how an unconfigured integration answers; any other 5xx is a defect.
      if (allowed && (refusedByRole || res.status === 401 || (res.status >= 500 && res.status !== 503))) {
        problems.push(`${role} ${route.method} ${route.path} → ${res.status} ${JSON.stringify(res.body)}`);
      }
      if (!allowed && !refusedByRole)
        problems.push(`${role} ${route.method} ${route.path} → ${res.status} (expected 403)`);
    }
  }
  expect(problems).toEqual([]);
});
