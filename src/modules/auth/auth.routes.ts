import { z } from 'zod';
import { email } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import { toAgentDto } from '../agents/agents.mapper';
import { Agent } from '../agents/agents.schemas';
import type { AgentsService } from '../agents/agents.service';
import type { AuthService } from './auth.service';

const tags = ['Auth'];
const LoginBody = z
  .object({ email, password: z.string().min(1).max(200) })
  .strict()
  .meta({ id: 'LoginRequest' });
const RefreshBody = z
  .object({ refreshToken: z.string().min(10).max(200) })
  .strict()
  .meta({ id: 'RefreshRequest' });
const TokenPair = z
  .object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int() })
  .meta({ id: 'TokenPair' });
const LoginResponse = TokenPair.extend({ agent: Agent }).meta({ id: 'LoginResponse' });

export function authRoutes(auth: AuthService, agents: AgentsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in with email and password',
      tags,
      roles: 'public',
      body: LoginBody,
      responses: [
        { status: 200, description: 'Tokens and the agent', schema: LoginResponse },
        { status: 401, description: 'Bad credentials (same answer whether or not the email exists)' },
        { status: 429, description: 'Too many failed attempts; see Retry-After' },
      ],
      handler: async ({ body, req }) => {
        const result = await auth.login(body.email, body.password, req.ip ?? 'unknown');
        return { body: { ...result, agent: toAgentDto(result.agent) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/refresh',
      summary: 'Exchange a refresh token for a new pair (the old one dies)',
      tags,
      roles: 'public',
      body: RefreshBody,
      responses: [
        { status: 200, description: 'New token pair', schema: TokenPair },
        { status: 401, description: 'Invalid, expired or reused refresh token' },
      ],
      handler: async ({ body }) => ({ body: await auth.refresh(body.refreshToken) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: "End this session (revokes the session's refresh tokens and access token)",
      tags,
      roles: Roles.everyone,
      responses: [{ status: 204, description: 'Logged out' }],
      handler: async ({ actor }) => {
        await auth.logout(actor);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/me',
      summary: 'The agent behind the access token',
      tags,
      roles: Roles.everyone,
      responses: [{ status: 200, description: 'The agent', schema: Agent }],
      handler: async ({ actor }) => ({ body: toAgentDto(await agents.get(actor.id)) }),
    }),
  ];
}
