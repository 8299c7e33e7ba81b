import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../../../platform/redis/redis';

/**
 * Takes a slot in a sliding window: a sorted set of the send times of the last `window` ms.
 * Returns 0 when the caller may send now, otherwise the milliseconds to wait. A "blocked" key
 * (set when the server answered 429) holds everyone back for its whole Retry-After.
 * Time comes from Redis itself, so every process shares one clock.
 */
const acquireScript = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return wait
`;

/** Extends the block to `ms` from now unless a longer one is already in place. */
const blockScript = `
local current = redis.call('PTTL', KEYS[1])
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`;

export class RateLimitWaitExceeded extends Error {
  constructor(readonly waitedMs: number) {
    super(`Gorgias rate limit: no slot free after waiting ${waitedMs} ms`);
    this.name = 'RateLimitWaitExceeded';
  }
}

export interface SlidingWindowOptions {
  limit: number;
  windowMs: number;
  /** Give up (the caller's job retries later) after waiting this long in total. */
  maxWaitMs: number;
  /**
   * Added to the window on our side so that jitter between a slot being taken and the request
   * reaching the server never lets `limit + 1` requests land inside one server-side window.
   */
  marginMs?: number;
}

/**
 * A client-side limiter shared by every process through Redis. A sliding window (not fixed
 * buckets, which allow twice the limit across a bucket boundary) keeps us under the provider's
 * limit; when the provider still answers 429 (another app shares the account), `block()` pauses
 * every process for the Retry-After it asked for.
 */
export class RedisSlidingWindowLimiter {
  private readonly windowKey: string;
  private readonly blockKey: string;
  private readonly effectiveWindowMs: number;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly opts: SlidingWindowOptions,
  ) {
    this.windowKey = `${keyPrefix}:window`;
    this.blockKey = `${keyPrefix}:blocked`;
    // Requests leave in slot order but arrive spread by connection set-up and network jitter
    // (a fresh TLS connection alone can take a few hundred ms): 5 % of the window, 250 ms at least.
    this.effectiveWindowMs =
      opts.windowMs + (opts.marginMs ?? Math.min(2000, Math.max(250, Math.round(opts.windowMs * 0.05))));
  }

  /** Waits (without busy-looping) until a request may be sent, then counts it. */
  async acquire(): Promise<void> {
    const started = Date.now();
    for (;;) {
      const wait = Number(
        await this.redis.eval(
          acquireScript,
          2,
          this.windowKey,
          this.blockKey,
          this.opts.limit,
          this.effectiveWindowMs,
          randomUUID(),
        ),
      );
      if (wait <= 0) return;
      const waited = Date.now() - started;
      if (waited + wait > this.opts.maxWaitMs) throw new RateLimitWaitExceeded(waited);
      // A little jitter so waiting processes do not all wake on the same millisecond.
      await sleep(wait + Math.floor(Math.random() * 15));
    }
  }

  /** Holds every process back for `ms` (the server's Retry-After). */
  async block(ms: number): Promise<void> {
    await this.redis.eval(blockScript, 1, this.blockKey, Math.max(1, Math.ceil(ms)));
  }
}
