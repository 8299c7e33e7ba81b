import type { EventBus } from '../../../platform/events/event-bus';
import type { Logger } from '../../../platform/logging/logger';
import type { QueueService } from '../../../platform/queue/queue.service';
import type { SlackConfig } from './slack.config';
import { alertKey } from './slack.service';
import type { ChurnRiskSource, SlackAlertJob } from './slack.types';

/**
 * Domain events → durable `slack.alert` jobs. The job id is the alert's dedupe key, so an event
 * published twice queues one job; the outbox's unique key catches anything later. Listeners
 * only enqueue: rendering and sending happen in the worker.
 */
export function registerSlackListeners(
  events: EventBus,
  queues: QueueService,
  cfg: SlackConfig,
  churn: ChurnRiskSource,
  logger: Logger,
): void {
  const enqueue = async (job: SlackAlertJob) => {
    await queues.add('slack.alert', job, { jobId: `slack-alert:${alertKey(job)}` });
  };

  events.on('sla.breach', (p) =>
    enqueue({
      kind: 'sla_breach',
      ticketId: p.ticketId,
      target: p.target,
      dueAt: p.dueAt,
      breachedAt: p.breachedAt,
      assigneeId: p.assigneeId,
    }),
  );

  if (cfg.notifyWarnings) {
    events.on('sla.warning', (p) =>
      enqueue({
        kind: 'sla_warning',
        ticketId: p.ticketId,
        target: p.target,
        dueAt: p.dueAt,
        assigneeId: p.assigneeId,
      }),
    );
  }

  events.on('ticket.created', async (p) => {
    // Imported history is not news: no "new urgent ticket" or churn alert for it.
    if (p.imported) return;
    if (p.priority === 'urgent') await enqueue({ kind: 'urgent_ticket', ticketId: p.ticketId });
    const risk = await churn.riskFor(p.customerId).catch((err: unknown) => {
      logger.debug({ err, customerId: p.customerId }, 'churn risk unavailable for the Slack alert');
      return { riskLevel: 'unknown' as const, probability: undefined };
    });
    if (risk.riskLevel === 'high') {
      await enqueue({
        kind: 'churn_risk',
        ticketId: p.ticketId,
        customerId: p.customerId,
        riskLevel: risk.riskLevel,
        ...(risk.probability !== undefined ? { probability: risk.probability } : {}),
      });
    }
  });

  events.on('ticket.updated', async (p) => {
    if (p.changes.priority?.[1] === 'urgent') await enqueue({ kind: 'urgent_ticket', ticketId: p.ticketId });
  });

  events.on('message.created', async (p) => {
    if (p.internal && p.authorType === 'agent')
      await enqueue({ kind: 'mention', ticketId: p.ticketId, messageId: p.messageId });
  });
}
