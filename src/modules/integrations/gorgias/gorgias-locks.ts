import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../../../platform/redis/redis';

const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export class LockTimeout extends Error {
  constructor(key: string) {
    super(`Timed out waiting for lock ${key}`);
    this.name = 'LockTimeout';
  }
}

/**
 * Redis locks that close the window between "Gorgias created the object" and "we stored its id".
 * A push holds a lock from before its request until the link row is written; an import or a
 * webhook takes the same lock before deciding whether an object is new. So a message we pushed
 * and that comes straight back through the webhook is always recognised, never imported twice.
 *
 * - `withTicket(gorgiasId)`: everything that writes links for one Gorgias ticket's messages.
 * - `withCreation()`: ticket creations in Gorgias (the new id is unknown until the answer);
 *   `creationBarrier()` waits for any in-flight creation before treating a ticket as unknown.
 */
export class GorgiasLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly opts: { ttlMs: number; waitMs: number },
  ) {}

  withTicket<T>(gorgiasTicketId: string, fn: () => Promise<T>): Promise<T> {
    return this.with(`${this.prefix}:ticket:${gorgiasTicketId}`, fn);
  }

  withCreation<T>(fn: () => Promise<T>): Promise<T> {
    return this.with(`${this.prefix}:creating`, fn);
  }

  async creationBarrier(): Promise<void> {
    await this.withCreation(async () => undefined);
  }

  private async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    const deadline = Date.now() + this.opts.waitMs;
    while ((await this.redis.set(key, token, 'PX', this.opts.ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new LockTimeout(key);
      await sleep(20 + Math.floor(Math.random() * 30));
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(releaseScript, 1, key, token).catch(() => undefined);
    }
  }
}
