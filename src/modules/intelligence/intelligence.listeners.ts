import type { EventBus } from '../../platform/events/event-bus';
import type { Logger } from '../../platform/logging/logger';
import type { QueueService } from '../../platform/queue/queue.service';
import type { IntelligenceCache } from './intelligence.cache';
import type { IntelligenceRepository } from './intelligence.repository';

/** One profile refresh per customer per window, however many tickets they open in it. */
const profileWindowMs = 15 * 60_000;

/**
 * A new ticket gets a category (when it has none) and its customer's profile refreshed, by jobs:
 * nothing remote runs in the request that created the ticket.
 */
export function registerIntelligenceListeners(
  events: EventBus,
  queues: QueueService,
  cache: IntelligenceCache,
  repo: IntelligenceRepository,
  logger: Logger,
): void {
  // An erased customer must not live on in cached profiles, drafts or stored insights.
  events.on('customer.erased', async ({ customerId }) => {
    const ticketIds = await repo.forgetCustomer(customerId);
    await cache.forgetCustomer(customerId, ticketIds);
  });

  events.on('ticket.created', async ({ ticketId, customerId }) => {
    const window = Math.floor(Date.now() / profileWindowMs);
    await Promise.all([
      cache.forgetChurn(customerId),
      queues.add('intelligence.categorize-ticket', { ticketId }, { jobId: `categorize:${ticketId}` }),
      queues.add(
        'intelligence.refresh-profile',
        { customerId },
        { jobId: `profile:${customerId}:${window}` },
      ),
    ]).catch((err: unknown) =>
      logger.warn({ err, ticketId }, 'could not schedule intelligence work for a new ticket'),
    );
  });
}
