import Redis, { type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * The shared command connection. Keys are namespaced by hand through `RedisKeys` rather than
 * ioredis' keyPrefix, because bull must not see a keyPrefix (it has its own `prefix`).
 */
export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 3, ...extra });
}

export class RedisKeys {
  constructor(readonly prefix: string) {}
  key(...parts: Array<string | number>): string {
    return [this.prefix, ...parts].join(':');
  }
}

/**
 * Redis could not be reached: ioredis gave up on the command after its retries
 * (`maxRetriesPerRequest`), or the connection is closed. A condition of the moment (503).
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.';
}
