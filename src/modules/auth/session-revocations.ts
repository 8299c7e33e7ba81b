import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../platform/redis/redis';

/**
 * Revocations that must bite before an access token expires (logout, password or role change,
 * deactivation). Kept in Redis for one access-token lifetime, which is as long as they matter.
 */
export class SessionRevocations {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds: number,
  ) {}

  async revokeSession(sessionId: string): Promise<void> {
    await this.redis.set(this.keys.key('auth', 'revoked-session', sessionId), '1', 'EX', this.ttlSeconds);
  }

  async revokeAgentTokensIssuedBefore(agentId: string, atMs = Date.now()): Promise<void> {
    await this.redis.set(
      this.keys.key('auth', 'revoked-agent', agentId),
      String(atMs),
      'EX',
      this.ttlSeconds,
    );
  }

  /** True when the token's session was revoked or the agent's tokens were revoked after it was issued. */
  async isRevoked(sessionId: string, agentId: string, issuedAtMs: number): Promise<boolean> {
    const [session, agentBefore] = await this.redis.mget(
      this.keys.key('auth', 'revoked-session', sessionId),
      this.keys.key('auth', 'revoked-agent', agentId),
    );
    return session !== null || (agentBefore !== null && issuedAtMs <= Number(agentBefore));
  }
}
