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
