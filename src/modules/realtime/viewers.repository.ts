import { RedisScript } from '../../platform/realtime/redis-script';
import type { Redis, RedisKeys } from '../../platform/redis/redis';

export interface ViewerEntry {
  agentId: string;
  name: string;
  typing: boolean;
}

export interface ViewersChange {
  before: ViewerEntry[];
  after: ViewerEntry[];
  version: number;
}

/*
 * One change to a ticket's viewer set, atomically with a version bump, returning the entries
 * before and after so the caller can tell whether the visible set changed.
 * KEYS: [viewers hash, version counter (one for all tickets, never expires), expiry zset]
 * ARGV: [op, connId, entryJson, expiresAtMs, expiryMember, keyTtlMs, nowMs]
 *   op = 'view'   add or replace the connection's entry
 *        'patch'  replace it only if present (typing)
 *        'leave'  remove it
 *        'lapse'  remove it only if its expiry has passed (sweeps)
 */
const changeScript = new RedisScript(`
local before = redis.call('HVALS', KEYS[1])
local op = ARGV[1]
if op == 'view' or (op == 'patch' and redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1) then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
elseif op == 'leave' then
  redis.call('HDEL', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[5])
elseif op == 'lapse' then
  local exp = redis.call('ZSCORE', KEYS[3], ARGV[5])
  if exp and tonumber(exp) <= tonumber(ARGV[7]) then
    redis.call('HDEL', KEYS[1], ARGV[2])
    redis.call('ZREM', KEYS[3], ARGV[5])
  end
end
local version = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return {before, redis.call('HVALS', KEYS[1]), version}
`);

/**
 * Who is viewing which ticket, per connection, in Redis (shared by every API instance).
 * `viewers:<ticket>` maps connection id → {agentId, name, typing}; `viewers:expiry` scores each
 * "<ticket> <connection>" by when it lapses unless a heartbeat renews it, so the entries of a
 * crashed instance are swept.
 */
export class ViewersRepository {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async change(
    op: 'view' | 'patch' | 'leave' | 'lapse',
    ticketId: string,
    connId: string,
    entry: ViewerEntry | null,
    expiresAtMs: number,
    keyTtlMs: number,
  ): Promise<ViewersChange> {
    const raw = (await changeScript.run(
      this.redis,
      [this.viewers(ticketId), this.version(), this.expiry()],
      [
        op,
        connId,
        entry ? JSON.stringify(entry) : '',
        expiresAtMs,
        member(ticketId, connId),
        keyTtlMs,
        Date.now(),
      ],
    )) as [string[], string[], number];
    return { before: raw[0].map(parseEntry), after: raw[1].map(parseEntry), version: Number(raw[2]) };
  }

  async list(ticketId: string): Promise<{ entries: ViewerEntry[]; version: number }> {
    const [values, version] = await Promise.all([
      this.redis.hvals(this.viewers(ticketId)),
      this.redis.get(this.version()),
    ]);
    return { entries: values.map(parseEntry), version: Number(version ?? 0) };
  }

  /** Renews the expiry of a connection's entries (heartbeat). */
  async renew(connId: string, ticketIds: string[], expiresAtMs: number, keyTtlMs: number): Promise<void> {
    if (ticketIds.length === 0) return;
    const m = this.redis.multi();
    for (const t of ticketIds) {
      m.zadd(this.expiry(), 'XX', expiresAtMs, member(t, connId));
      m.pexpire(this.viewers(t), keyTtlMs);
    }
    await m.exec();
  }

  /** Entries whose expiry passed: [ticketId, connId]. */
  async lapsed(nowMs: number, limit = 200): Promise<Array<[string, string]>> {
    const members = await this.redis.zrangebyscore(this.expiry(), '-inf', nowMs, 'LIMIT', 0, limit);
    return members.map((m) => {
      const [ticketId = '', connId = ''] = m.split(' ');
      return [ticketId, connId];
    });
  }

  private viewers(ticketId: string): string {
    return this.keys.key('rt', 'viewers', ticketId);
  }
  private version(): string {
    return this.keys.key('rt', 'viewers-version');
  }
  private expiry(): string {
    return this.keys.key('rt', 'viewers-expiry');
  }
}

const member = (ticketId: string, connId: string) => `${ticketId} ${connId}`;

function parseEntry(raw: string): ViewerEntry {
  return JSON.parse(raw) as ViewerEntry;
}
