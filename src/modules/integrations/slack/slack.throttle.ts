import type { Redis, RedisKeys } from '../../../platform/redis/redis';

// Raises a key's remaining lifetime to at least ARGV[1] ms; never shortens it.
const extendScript = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return ttl`;

/**
 * Per-channel posting gate and flush marker, in Redis so every API and worker process shares them:
 * - the gate allows one post per channel per `minIntervalMs`, and is held for the whole
 *   `Retry-After` after a 429, so nothing reaches a throttled channel early;
 * - the marker says "a flush of this channel is already scheduled", so a burst of alerts
 *   schedules one flush job, not fifty.
 */
export class SlackThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly minIntervalMs: number,
  ) {}

  /** 0 when this caller may post to the channel now (and the slot is taken), else ms to wait. */
  async tryAcquire(channel: string): Promise<number> {
    const key = this.gateKey(channel);
    const ok = await this.redis.set(key, '1', 'PX', Math.max(1, this.minIntervalMs), 'NX');
    if (ok === 'OK') return 0;
    const ttl = await this.redis.pttl(key);
    return ttl > 0 ? ttl : 1;
  }

  /** Milliseconds until the channel's gate opens (0 when open). */
  async waitMs(channel: string): Promise<number> {
    const ttl = await this.redis.pttl(this.gateKey(channel));
    return ttl > 0 ? ttl : 0;
  }

  /** Closes the channel for at least `ms` (Slack's Retry-After). */
  async pause(channel: string, ms: number): Promise<void> {
    await this.redis.eval(extendScript, 1, this.gateKey(channel), String(Math.max(1, Math.ceil(ms))));
  }

  /** True when the caller should schedule the channel's flush (no flush is scheduled yet). */
  async markScheduled(channel: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.markerKey(channel), '1', 'PX', Math.max(1, ttlMs), 'NX')) === 'OK';
  }

  async clearScheduled(channel: string): Promise<void> {
    await this.redis.del(this.markerKey(channel));
  }

  private gateKey(channel: string): string {
    return this.keys.key('slack', 'gate', channel);
  }

  private markerKey(channel: string): string {
    return this.keys.key('slack', 'flush-scheduled', channel);
  }
}
