import { createHash } from 'node:crypto';
import type { Redis } from '../redis/redis';

/**
 * A Lua script run by its SHA (EVALSHA), loaded on first use or after a Redis restart. Scripts
 * run atomically, which is what the realtime log and presence rely on.
 */
export class RedisScript {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
