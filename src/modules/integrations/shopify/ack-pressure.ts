import type { Logger } from '../../../platform/logging/logger';
import type { Redis, RedisKeys } from '../../../platform/redis/redis';

export interface StormSettings {
  /** Acknowledgements per second (all API processes together) from which a storm is declared; 0 = never. */
  acksPerSecond: number;
  /** Share of its time (1–100 %) the worker keeps applying deliveries during a storm; 100 = never yields. */
  processingPercent: number;
}

export interface AckPressureOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of each rest taken (a metric: how much the worker yielded). */
  rested?: (ms: number) => void;
}

/** How often the API adds its count to Redis; and how long the worker trusts what it read. */
const flushEveryMs = 250;
const readEveryMs = 250;
/** Longest single rest: a stopping worker waits for its jobs, a resting one included. */
const maxRestMs = 1000;

/**
 * Acknowledgements come first. Shopify waits 5 s for an acknowledgement, retries what it does
 * not get, and drops a subscription after 8 failures in a row; applying a delivery has no such
 * deadline. When the API and the worker share cores (one host, docker-compose), a storm of
 * deliveries has the worker applying the backlog with the CPU the acknowledgements need: on
 * the benchmark machine that alone moved the ack p99 from ~30–45 to ~55–100 ms (BENCHMARKS.md).
 *
 * So the API counts its acknowledgements per second in Redis (every API process adds to the
 * same per-second key), and while the last full second held a storm, the worker applies one
 * `shopify.webhooks` job at a time and rests after each, working `processingPercent` of the
 * time. The backlog waits in Postgres (recorded, so nothing is lost) and is applied at full
 * speed once the storm is over; during it, applying still progresses. Redis unreachable: the
 * API's count is dropped and the worker never rests (no storm is known).
 */
export class AckPressure {
  private counted = 0;
  private timer?: NodeJS.Timeout;
  private known?: { at: number; storm: boolean };
  /** The turn of the job running during a storm; the next one waits for it. */
  private lane: Promise<void> = Promise.resolve();
  /** Resolved by close(): a stopping worker finishes its jobs without resting. */
  private readonly stopping: Promise<void>;
  private stop = (): void => undefined;
  private stopped = false;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly rested: (ms: number) => void;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly settings: StormSettings,
    private readonly logger: Logger,
    opts: AckPressureOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.rested = opts.rested ?? (() => undefined);
    this.stopping = new Promise<void>((resolve) => (this.stop = resolve));
  }

  private get enabled(): boolean {
    return this.settings.acksPerSecond > 0 && this.settings.processingPercent < 100;
  }

  private bucket(second: number): string {
    return this.keys.key('shopify', 'acks-per-second', second);
  }

  /** API side: one acknowledgement answered. Counted in memory, added to Redis a few times a second. */
  acknowledged(): void {
    if (!this.enabled) return;
    this.counted++;
    this.timer ??= setInterval(() => void this.flush(), flushEveryMs).unref();
  }

  /** Adds what was counted to the current second's key. */
  async flush(): Promise<void> {
    if (this.counted === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const n = this.counted;
    this.counted = 0;
    const key = this.bucket(Math.floor(this.now() / 1000));
    try {
      await this.redis.multi().incrby(key, n).expire(key, 10).exec();
    } catch (err) {
      this.logger.debug({ err }, 'could not count webhook acknowledgements');
    }
  }

  /** Worker side: whether the API acknowledged at least `acksPerSecond` in the last full second. */
  async inStorm(): Promise<boolean> {
    if (!this.enabled) return false;
    const now = this.now();
    if (this.known && now - this.known.at < readEveryMs) return this.known.storm;
    let storm = false;
    try {
      const count = await this.redis.get(this.bucket(Math.floor(now / 1000) - 1));
      storm = Number(count ?? 0) >= this.settings.acksPerSecond;
    } catch (err) {
      this.logger.debug({ err }, 'could not read webhook acknowledgements; not yielding');
    }
    this.known = { at: now, storm };
    return storm;
  }

  /**
   * Worker side: runs one `shopify.webhooks` job. During a storm the process's jobs run one at
   * a time, each followed by a rest that keeps the work to `processingPercent` of the time (the
   * queue's other job slots wait their turn: resting per slot, five slots still kept a core busy).
   */
  async paced<T>(work: () => Promise<T>): Promise<T> {
    if (this.stopped || !(await this.inStorm())) return work();
    const previous = this.lane;
    let release = (): void => undefined;
    this.lane = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      const started = this.now();
      const result = await work();
      const busy = this.now() - started;
      const { processingPercent } = this.settings;
      const rest = Math.min(maxRestMs, Math.round((busy * (100 - processingPercent)) / processingPercent));
      if (rest > 0 && !this.stopped) {
        const restFrom = this.now();
        await Promise.race([this.sleep(rest), this.stopping]);
        this.rested(this.now() - restFrom);
      }
      return result;
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.stop();
    await this.flush();
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
