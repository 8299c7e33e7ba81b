import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { UnauthorizedError } from '../../platform/errors/app-error';
import type { Authenticator } from '../../platform/http/router';
import { requireBearer } from '../../platform/http/router';
import type { Logger } from '../../platform/logging/logger';
import type { Actor } from '../../platform/security/actor';
import type { AgentEntity } from '../agents/agent.entity';
import type { AgentsService, SessionRevoker } from '../agents/agents.service';
import type { AccessTokens, VerifiedAccess } from './access-tokens';
import type { LoginThrottle } from './login-throttle';
import type { PasswordHasher } from './password-hasher';
import type { RefreshTokensRepository } from './refresh-tokens.repository';
import type { SessionRevocations } from './session-revocations';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const badCredentials = () => new UnauthorizedError('Invalid email or password', 'invalid_credentials');
const badRefresh = () => new UnauthorizedError('Invalid or expired refresh token', 'invalid_refresh_token');
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Authentication: login, rotation of refresh tokens, logout, and verification of access tokens. */
export class AuthService implements Authenticator, SessionRevoker {
  constructor(
    private readonly db: DataSource,
    private readonly agentsLookup: () => AgentsService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly accessTokens: AccessTokens,
    private readonly revocations: SessionRevocations,
    private readonly throttle: LoginThrottle,
    private readonly hasher: PasswordHasher,
    private readonly refreshTtlDays: number,
    private readonly logger: Logger,
  ) {}

  async login(email: string, password: string, ip: string): Promise<TokenPair & { agent: AgentEntity }> {
    const normalised = email.toLowerCase();
    await this.throttle.assertAllowed(normalised, ip);
    const agent = await this.agentsLookup().findCredentials(normalised);
    const ok = await this.hasher.verify(password, agent?.passwordHash);
    if (!agent || !ok || !agent.active) {
      await this.throttle.recordFailure(normalised, ip);
      this.logger.info({ event: 'login_failed' }, 'login failed');
      throw badCredentials();
    }
    await this.throttle.recordSuccess(normalised);
    const { passwordHash: _hash, ...publicAgent } = agent;
    return { ...(await this.startSession(agent)), agent: publicAgent as AgentEntity };
  }

  /** Opens a new session (a refresh-token family) for an agent whose identity is established. */
  async startSession(agent: Pick<AgentEntity, 'id' | 'role'>): Promise<TokenPair> {
    const familyId = randomUUID();
    const refreshToken = await this.issueRefresh(agent.id, familyId);
    return { ...this.accessFor({ id: agent.id, role: agent.role, sessionId: familyId }), refreshToken };
  }

  /** Rotates a refresh token. Presenting one that was already used revokes its whole family. */
  async refresh(presented: string): Promise<TokenPair> {
    const [id, secret] = presented.split('.');
    if (!id || !secret || !/^[0-9a-f-]{36}$/.test(id)) throw badRefresh();
    const outcome = await this.db.transaction(async (tx) => {
      const row = await this.refreshTokens.findForUpdate(tx, id);
      if (!row || !timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), sha256(secret)))
        return { error: badRefresh() };
      if (row.revokedAt) return { error: badRefresh() };
      if (row.usedAt) {
        await this.refreshTokens.revokeFamily(row.familyId, tx);
        return {
          error: new UnauthorizedError(
            'Refresh token reuse detected; please log in again',
            'refresh_token_reused',
          ),
          revoke: row.familyId,
        };
      }
      if (row.expiresAt.getTime() <= Date.now()) return { error: badRefresh() };
      await this.refreshTokens.markUsed(tx, row.id);
      const next = await this.issueRefresh(row.agentId, row.familyId, tx);
      return { agentId: row.agentId, familyId: row.familyId, next };
    });
    if ('error' in outcome) {
      if (outcome.revoke) {
        await this.revocations.revokeSession(outcome.revoke);
        this.logger.warn(
          { event: 'refresh_reuse', familyId: outcome.revoke },
          'refresh token reuse: family revoked',
        );
      }
      throw outcome.error;
    }
    const agent = await this.agentsLookup()
      .get(outcome.agentId)
      .catch(() => null);
    if (!agent?.active) {
      await this.refreshTokens.revokeFamily(outcome.familyId);
      throw badRefresh();
    }
    return {
      ...this.accessFor({ id: agent.id, role: agent.role, sessionId: outcome.familyId }),
      refreshToken: outcome.next,
    };
  }

  async logout(actor: Actor): Promise<void> {
    await this.refreshTokens.revokeFamily(actor.sessionId);
    await this.revocations.revokeSession(actor.sessionId);
  }

  async revokeAllForAgent(agentId: string): Promise<void> {
    await this.refreshTokens.revokeAllForAgent(agentId);
    await this.revocations.revokeAgentTokensIssuedBefore(agentId);
  }

  async authenticate(header: string | undefined): Promise<Actor> {
    const verified = await this.verifyAccessToken(requireBearer(header));
    return { id: verified.id, role: verified.role, sessionId: verified.sessionId };
  }

  /** Verifies signature, expiry and revocation (sockets use this too). */
  async verifyAccessToken(token: string): Promise<VerifiedAccess> {
    const verified = this.accessTokens.verify(token);
    if (await this.revocations.isRevoked(verified.sessionId, verified.id, verified.issuedAtMs)) {
      throw new UnauthorizedError('Session has ended', 'session_revoked');
    }
    return verified;
  }

  pruneExpired(): Promise<number> {
    return this.refreshTokens.deleteExpired(new Date(Date.now() - 24 * 3600 * 1000));
  }

  private accessFor(actor: Actor): Omit<TokenPair, 'refreshToken'> {
    return { accessToken: this.accessTokens.sign(actor), expiresIn: this.accessTokens.ttlSeconds };
  }

  private async issueRefresh(
    agentId: string,
    familyId: string,
    tx?: Parameters<RefreshTokensRepository['insert']>[1],
  ): Promise<string> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    await this.refreshTokens.insert(
      {
        id,
        familyId,
        agentId,
        tokenHash: sha256(secret).toString('hex'),
        expiresAt: new Date(Date.now() + this.refreshTtlDays * 86400 * 1000),
      },
      tx,
    );
    return `${id}.${secret}`;
  }
}
