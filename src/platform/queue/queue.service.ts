import Bull, { type Job, type JobOptions, type Queue } from 'bull';
import Redis from 'ioredis';
import type { Logger } from '../logging/logger';
import { allJobNames, queueJobs, queueOf, type JobName, type JobPayloads, type QueueName } from './jobs';

export type JobHandler<N extends JobName> = (
  payload: JobPayloads[N],
  job: Job<JobPayloads[N]>,
) => Promise<unknown>;
export type JobHandlers = { [N in JobName]?: JobHandler<N> };

export interface ScheduledJob<N extends JobName = JobName> {
  name: N;
  payload: JobPayloads[N];
  repeat: { every: number } | { cron: string; tz?: string };
}

/**
 * How often a worker looks for jobs left active by a worker that stopped (bull's stalled check; a
 * job is moved back to waiting on the second look that finds it unlocked). A worker stopped while
 * fetching can leave the job it was fetching so (bull aborts the blocking fetch on close), as can
 * one that crashed once its locks expire; with bull's 30 s such jobs waited up to a minute more.
 * Only unlocked jobs move, and a running job renews its lock every 15 s, so a shorter look does
 * not touch running jobs.
 */
const stalledCheckMs = 5_000;

const defaultJobOptions: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
};

/**
 * Owns the bull queues of one process. Queues share one command and one subscriber connection
 * (bull opens a blocking connection per queue only when it processes). Job options are set here
 * centrally; callers pass a jobId where a duplicate job would hurt.
 */
export class QueueService {
  private readonly queues = new Map<QueueName, Queue>();
  private client?: Redis;
  private subscriber?: Redis;
  /** bull does not close connections it got from createClient, so we track and close them. */
  private readonly blocking: Redis[] = [];
  private processing = false;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Bull(name, {
        prefix: `${this.prefix}:bull`,
        defaultJobOptions,
        settings: { stalledInterval: stalledCheckMs },
        createClient: (type) => this.connection(type),
      });
      q.on('error', (err) => this.logger.error({ err, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  allQueues(): Queue[] {
    return (Object.keys(queueJobs) as QueueName[]).map((n) => this.queue(n));
  }

  async add<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    opts: JobOptions = {},
  ): Promise<Job<JobPayloads[N]>> {
    return this.queue(queueOf(name)).add(name, payload, opts);
  }

  async schedule(jobs: ScheduledJob[]): Promise<void> {
    for (const job of jobs) {
      await this.queue(queueOf(job.name)).add(job.name, job.payload, {
        repeat: job.repeat,
        jobId: `repeat:${job.name}`,
        removeOnComplete: 50,
        removeOnFail: 200,
      });
    }
  }

  /** Starts processing every queue; refuses to start if any job name has no handler. */
  process(
    handlers: JobHandlers,
    concurrency: Partial<Record<QueueName, number>> = {},
    onDone?: (q: QueueName, name: string, outcome: 'completed' | 'failed') => void,
  ): void {
    const missing = allJobNames().filter((n) => !handlers[n]);
    if (missing.length > 0) throw new Error(`No handler for job(s): ${missing.join(', ')}`);
    this.processing = true;
    for (const queueName of Object.keys(queueJobs) as QueueName[]) {
      const queue = this.queue(queueName);
      queue.process('*', concurrency[queueName] ?? 5, async (job: Job) => {
        const handler = handlers[job.name as JobName] as JobHandler<JobName> | undefined;
        if (!handler) throw new Error(`No handler for job ${job.name} on queue ${queueName}`);
        try {
          const result = await handler(job.data as JobPayloads[JobName], job as Job<JobPayloads[JobName]>);
          onDone?.(queueName, job.name, 'completed');
          return result;
        } catch (err) {
          onDone?.(queueName, job.name, 'failed');
          this.logger.warn(
            { err, queue: queueName, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 },
            'job failed',
          );
          throw err;
        }
      });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => this.closeQueue(q)));
    this.queues.clear();
    for (const b of this.blocking.splice(0)) b.disconnect();
    await Promise.all([this.client?.quit(), this.subscriber?.quit()].map((p) => p?.catch(() => undefined)));
    this.client = undefined;
    this.subscriber = undefined;
  }

  /**
   * bull fetches the next job as it completes one (atomically, locked to this worker), and when
   * that happens while stopping it drops the fetched job, still locked: it waited out the lock
   * (30 s) and two stalled checks before another worker got it. So a processing queue is paused
   * first (its running jobs finish), then the locks this worker still holds are released (bull
   * releases only a lock taken with this worker's token), and the next stalled check hands those
   * jobs on.
   */
  private async closeQueue(q: Queue): Promise<void> {
    if (this.processing) {
      await q.pause(true).catch(() => undefined);
      const active = await q.getActive().catch(() => []);
      await Promise.all(active.map((job) => job.releaseLock().catch(() => undefined)));
    }
    await q.close().catch(() => undefined);
  }

  /** Every queue adds its listeners to the shared connections: more than node's default 10. */
  private shared(client: Redis): Redis {
    client.setMaxListeners(100);
    return client;
  }

  private connection(type: 'client' | 'subscriber' | 'bclient'): Redis {
    // bull requires these two options off for the subscriber and blocking connections.
    const opts = { enableReadyCheck: false, maxRetriesPerRequest: null };
    if (type === 'client')
      return (this.client ??= this.shared(new Redis(this.redisUrl, { maxRetriesPerRequest: null })));
    if (type === 'subscriber') return (this.subscriber ??= this.shared(new Redis(this.redisUrl, opts)));
    const blocking = new Redis(this.redisUrl, opts);
    this.blocking.push(blocking);
    return blocking;
  }
}
