import type { Job } from 'bull';
import { NotFoundError } from '../../../platform/errors/app-error';
import type { Logger } from '../../../platform/logging/logger';
import type { JobHandlers, ScheduledJob } from '../../../platform/queue/queue.service';
import type { GorgiasSettings } from './gorgias.config';
import { GorgiasApiError, GorgiasNotConfiguredError } from './gorgias.errors';
import type { GorgiasImportService } from './gorgias-import.service';
import { PushImpossible, type GorgiasPushService } from './gorgias-push.service';
import type { GorgiasWebhooksService } from './gorgias-webhooks.service';

type GorgiasJobName =
  | 'gorgias.import-tickets'
  | 'gorgias.push-ticket'
  | 'gorgias.push-message'
  | 'gorgias.push-status'
  | 'gorgias.webhook-ticket-created'
  | 'gorgias.webhook-message-created'
  | 'gorgias.prune-deliveries'
  | 'gorgias.reconcile';

/**
 * Runs one sync job. Outcomes that retrying cannot change (the object was deleted, Gorgias
 * refuses the request with a 4xx, the integration is off) end the job without retries; the rest
 * (network, 5xx, rate limit, lock timeouts) are thrown and bull retries with backoff.
 */
async function settle<T>(job: Job, logger: Logger, work: () => Promise<T>): Promise<T | { skipped: string }> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof NotFoundError) return { skipped: err.message };
    if (err instanceof GorgiasNotConfiguredError) return { skipped: 'Gorgias is not configured' };
    if (err instanceof PushImpossible) {
      logger.warn({ job: job.name, jobId: job.id, reason: err.message }, 'Gorgias push impossible');
      return { skipped: err.message };
    }
    if (err instanceof GorgiasApiError && !err.retryable) {
      logger.error({ err, job: job.name, jobId: job.id }, 'Gorgias refused a sync request; not retried');
      await job.discard();
    }
    throw err;
  }
}

export function gorgiasJobHandlers(
  importer: GorgiasImportService,
  push: GorgiasPushService,
  webhooks: GorgiasWebhooksService,
  logger: Logger,
): Pick<Required<JobHandlers>, GorgiasJobName> {
  return {
    'gorgias.import-tickets': (p, job) => importer.run(p.runId, job),
    'gorgias.push-ticket': (p, job) => settle(job, logger, () => push.pushTicket(p.ticketId)),
    'gorgias.push-message': (p, job) => settle(job, logger, () => push.pushMessage(p.messageId)),
    'gorgias.push-status': (p, job) => settle(job, logger, () => push.pushStatus(p.ticketId)),
    'gorgias.webhook-ticket-created': (p, job) => settle(job, logger, () => webhooks.processTicketCreated(p)),
    'gorgias.webhook-message-created': (p, job) =>
      settle(job, logger, () => webhooks.processMessageCreated(p)),
    'gorgias.prune-deliveries': () => webhooks.pruneDeliveries(),
    'gorgias.reconcile': (_p, job) => settle(job, logger, () => importer.start(null)),
  };
}

export function gorgiasSchedules(settings: GorgiasSettings): ScheduledJob[] {
  const schedules: ScheduledJob[] = [
    { name: 'gorgias.prune-deliveries', payload: {}, repeat: { cron: '41 3 * * *' } },
  ];
  if (settings.account && settings.reconcileEveryMinutes > 0) {
    schedules.push({
      name: 'gorgias.reconcile',
      payload: {},
      repeat: { every: settings.reconcileEveryMinutes * 60_000 },
    });
  }
  return schedules;
}
