import type { AgentStatus } from '../agents/agent.types';
import { RedisScript } from '../../platform/realtime/redis-script';
import type { Redis, RedisKeys } from '../../platform/redis/redis';

/*
 * A connection goes away. KEYS: [conns, agents]  ARGV: [connId, agentId, nowMs]
 * Returns the number of the agent's connections still alive; with none, the agent's presence
 * deadline becomes now (the grace period starts).
 */
const disconnectScript = new RedisScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local live = redis.call('ZCARD', KEYS[1])
if live == 0 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2]) end
return live
`);

/*
 * Claims an agent whose presence lapsed, so exactly one instance marks them offline.
 * KEYS: [agents, conns, status]  ARGV: [agentId, cutoffMs, nowMs]  Returns 1 when claimed.
 */
const claimScript = new RedisScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`);

/**
 * Presence in Redis, shared by every API instance:
 * - `presence:conns:<agent>`: the agent's connections, each scored by when it expires unless a
 *   heartbeat renews it (a crashed instance's connections simply lapse);
 * - `presence:agents`: each present agent scored by when their presence lapses (the latest
 *   connection expiry, or the moment the last connection closed);
 * - `presence:status:<agent>`: the live status, expiring with the presence.
 */
export class PresenceRepository {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async touch(agentId: string, connId: string, expiresAtMs: number, keyTtlMs: number): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.conns(agentId), expiresAtMs, connId)
      .pexpire(this.conns(agentId), keyTtlMs)
      .zadd(this.agents(), 'GT', expiresAtMs, agentId)
      .pexpire(this.status(agentId), keyTtlMs)
      .exec();
  }

  async disconnect(agentId: string, connId: string, nowMs: number): Promise<number> {
    return Number(
      await disconnectScript.run(this.redis, [this.conns(agentId), this.agents()], [connId, agentId, nowMs]),
    );
  }

  /** Agents whose presence lapsed before `cutoffMs`. */
  lapsed(cutoffMs: number, limit = 200): Promise<string[]> {
    return this.redis.zrangebyscore(this.agents(), '-inf', cutoffMs, 'LIMIT', 0, limit);
  }

  async claim(agentId: string, cutoffMs: number, nowMs: number): Promise<boolean> {
    const claimed = await claimScript.run(
      this.redis,
      [this.agents(), this.conns(agentId), this.status(agentId)],
      [agentId, cutoffMs, nowMs],
    );
    return Number(claimed) === 1;
  }

  async liveConnections(agentId: string, nowMs: number): Promise<number> {
    return this.redis.zcount(this.conns(agentId), `(${nowMs}`, '+inf');
  }

  async setStatus(agentId: string, status: AgentStatus, ttlMs: number): Promise<void> {
    await this.redis.set(this.status(agentId), status, 'PX', ttlMs);
  }

  /** Follows a status change made elsewhere (HTTP, another instance) while the agent is present. */
  async updateStatusIfPresent(agentId: string, status: AgentStatus): Promise<void> {
    await this.redis.set(this.status(agentId), status, 'KEEPTTL', 'XX');
  }

  /** Live statuses of the given agents; absent means not connected. */
  async statuses(agentIds: string[]): Promise<Map<string, AgentStatus>> {
    const out = new Map<string, AgentStatus>();
    if (agentIds.length === 0) return out;
    const values = await this.redis.mget(...agentIds.map((id) => this.status(id)));
    agentIds.forEach((id, i) => {
      const v = values[i];
      if (v) out.set(id, v as AgentStatus);
    });
    return out;
  }

  /** Every agent with a live presence entry. */
  present(nowMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.agents(), `(${nowMs}`, '+inf');
  }

  private agents(): string {
    return this.keys.key('rt', 'presence', 'agents');
  }
  private conns(agentId: string): string {
    return this.keys.key('rt', 'presence', 'conns', agentId);
  }
  private status(agentId: string): string {
    return this.keys.key('rt', 'presence', 'status', agentId);
  }
}
