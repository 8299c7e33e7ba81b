import type { Config } from '../../config/config';
import type { JobHandlers, QueueService, ScheduledJob } from '../../platform/queue/queue.service';
import type { Redis, RedisKeys } from '../../platform/redis/redis';
import type { AssignmentService } from './assignment.service';

/** One backlog job at a time: later kicks fold into the waiting one, or re-run the active one. */
const BACKLOG_JOB_ID = 'assignment-backlog';
const MAX_BACKLOG_ROUNDS = 10;

/**
 * The backlog trigger. Capacity-freeing events set a "dirty" flag and add the backlog job under
 * a fixed id, so a burst of events makes one job; an event that lands while the job runs leaves
 * the flag set and the job goes round again. The periodic sweep catches anything else.
 */
export class BacklogTrigger {
  private readonly dirtyKey: string;

  constructor(
    private readonly queues: QueueService,
    private readonly redis: Redis,
    keys: RedisKeys,
  ) {
    this.dirtyKey = keys.key('assignment', 'backlog-dirty');
  }

  async kick(): Promise<void> {
    await this.redis.set(this.dirtyKey, '1', 'EX', 3600);
    await this.queues.add(
      'assignment.backlog',
      {},
      { jobId: BACKLOG_JOB_ID, removeOnComplete: true, removeOnFail: true },
    );
  }

  /** Runs the backlog until no kick arrived during the last round. */
  async drain(run: () => Promise<{ assigned: number }>): Promise<{ assigned: number; rounds: number }> {
    let assigned = 0;
    let rounds = 0;
    do {
      await this.redis.del(this.dirtyKey);
      assigned += (await run()).assigned;
      rounds += 1;
    } while (rounds < MAX_BACKLOG_ROUNDS && (await this.redis.exists(this.dirtyKey)) === 1);
    return { assigned, rounds };
  }
}

export function assignmentJobs(
  config: Config,
  service: AssignmentService,
  trigger: BacklogTrigger,
): { handlers: JobHandlers; schedules: ScheduledJob[] } {
  const { auto, backlogBatch, sweepSeconds, repairMinutes } = config.assignment;
  const skipped = { skipped: 'AUTO_ASSIGN is off' };
  const handlers: JobHandlers = {
    'assignment.route-ticket': async ({ ticketId }) =>
      auto ? { result: await service.routeTicket(ticketId) } : skipped,
    'assignment.reopened': async ({ ticketId }) =>
      auto ? { result: await service.handleReopen(ticketId) } : skipped,
    'assignment.backlog': async () =>
      auto ? trigger.drain(() => service.runBacklog(backlogBatch)) : skipped,
    'assignment.sweep': async () => (auto ? service.runBacklog(backlogBatch) : skipped),
    'assignment.release-agent': async ({ agentId, actorId }) => service.releaseInactive(agentId, actorId),
    // Also releases what a lost release job left with deactivated agents.
    'assignment.repair-workload': async () => ({
      ...(await service.releaseInactive(null)),
      ...(await service.repairWorkload()),
    }),
  };
  const schedules: ScheduledJob[] = [
    { name: 'assignment.repair-workload', payload: {}, repeat: { every: repairMinutes * 60_000 } },
  ];
  if (auto) schedules.push({ name: 'assignment.sweep', payload: {}, repeat: { every: sweepSeconds * 1000 } });
  return { handlers, schedules };
}
