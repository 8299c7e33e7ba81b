import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../../platform/errors/app-error';

/**
 * Counts failed logins per email and per client IP in Redis (shared by every API process).
 * Only failures count; a success clears the email's counter.
 */
export class LoginThrottle {
  private readonly byEmail: RateLimiterRedis;
  private readonly byIp: RateLimiterRedis;

  constructor(
    redis: Redis,
    prefix: string,
    opts: { maxPerEmail: number; maxPerIp: number; windowSeconds: number },
  ) {
    const common = {
      storeClient: redis,
      duration: opts.windowSeconds,
      blockDuration: 0,
      useRedisPackage: false,
    };
    this.byEmail = new RateLimiterRedis({
      ...common,
      keyPrefix: `${prefix}:login-fail-email`,
      points: opts.maxPerEmail,
    });
    this.byIp = new RateLimiterRedis({
      ...common,
      keyPrefix: `${prefix}:login-fail-ip`,
      points: opts.maxPerIp,
    });
  }

  /** Throws 429 when either counter is spent. */
  async assertAllowed(email: string, ip: string): Promise<void> {
    const [e, i] = await Promise.all([this.byEmail.get(email), this.byIp.get(ip)]);
    const blocked = [
      { res: e, max: this.byEmail.points },
      { res: i, max: this.byIp.points },
    ].filter((x) => x.res && x.res.consumedPoints >= x.max);
    if (blocked.length > 0) {
      const wait = Math.max(...blocked.map((b) => Math.ceil((b.res?.msBeforeNext ?? 1000) / 1000)));
      throw new RateLimitedError('Too many failed logins; try again later', Math.max(wait, 1));
    }
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([this.byEmail.penalty(email, 1), this.byIp.penalty(ip, 1)]).catch((err: unknown) => {
      if (!(err instanceof RateLimiterRes)) throw err;
    });
  }

  async recordSuccess(email: string): Promise<void> {
    await this.byEmail.delete(email);
  }
}
