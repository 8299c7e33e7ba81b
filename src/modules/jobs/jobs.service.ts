import type { Job } from 'bull';
import { NotFoundError } from '../../platform/errors/app-error';
import type { EventBus } from '../../platform/events/event-bus';
import type { JobState } from '../../platform/events/domain-events';
import { queueJobs, type JobName, type JobPayloads, type QueueName } from '../../platform/queue/jobs';
import type { QueueService } from '../../platform/queue/queue.service';
import { isLeadOrAdmin, type Actor } from '../../platform/security/actor';

export interface JobProgress {
  done: number;
  total?: number;
}

export interface JobStatus {
  id: string;
  state: JobState;
  progress: JobProgress;
  result?: unknown;
  error?: string;
}

/** Payloads of long jobs carry who asked, so progress can reach them and only they (or leads) can read it. */
export interface RequestedJob {
  requesterId: string | null;
}

/**
 * Long-running jobs visible to their requester: `GET /api/jobs/:id` and `job.progress` events.
 * Public job ids are `<queue>:<bull id>` so one id names one job across queues.
 */
export class JobsService {
  constructor(
    private readonly queues: QueueService,
    private readonly events: EventBus,
  ) {}

  async start<N extends JobName>(
    name: N,
    payload: JobPayloads[N] & RequestedJob,
    jobId?: string,
  ): Promise<string> {
    const job = await this.queues.add(name, payload, jobId ? { jobId } : {});
    return `${job.queue.name}:${String(job.id)}`;
  }

  /** Called by job handlers as they advance; stores progress on the job and tells the requester. */
  async report(job: Job<RequestedJob>, progress: JobProgress, state: JobState = 'active'): Promise<void> {
    await job.progress(progress);
    this.events.publish('job.progress', {
      jobId: `${job.queue.name}:${String(job.id)}`,
      requesterId: job.data.requesterId,
      state,
      ...progress,
    });
  }

  async status(actor: Actor, publicId: string): Promise<JobStatus> {
    const [queueName, id] = splitId(publicId);
    let job = queueName && id ? await this.queues.queue(queueName).getJob(id) : null;
    const requester = (job?.data as Partial<RequestedJob> | undefined)?.requesterId;
    if (!job || (!isLeadOrAdmin(actor) && requester !== actor.id)) throw new NotFoundError('Job');
    const bullState = await job.getState();
    // The job may have finished between the two reads: read it again for its result or error.
    if ((bullState === 'completed' || bullState === 'failed') && queueName && id) {
      job = (await this.queues.queue(queueName).getJob(id)) ?? job;
    }
    const state: JobState =
      bullState === 'completed'
        ? 'completed'
        : bullState === 'failed'
          ? 'failed'
          : bullState === 'active'
            ? 'active'
            : 'waiting';
    const raw = job.progress() as unknown;
    const progress: JobProgress =
      typeof raw === 'object' && raw !== null && typeof (raw as JobProgress).done === 'number'
        ? (raw as JobProgress)
        : { done: state === 'completed' ? 1 : 0 };
    return {
      id: publicId,
      state,
      progress,
      ...(state === 'completed' ? { result: job.returnvalue as unknown } : {}),
      ...(state === 'failed' ? { error: job.failedReason ?? 'failed' } : {}),
    };
  }
}

function splitId(publicId: string): [QueueName | undefined, string | undefined] {
  const i = publicId.indexOf(':');
  if (i <= 0) return [undefined, undefined];
  const queue = publicId.slice(0, i);
  return [queue in queueJobs ? (queue as QueueName) : undefined, publicId.slice(i + 1)];
}
