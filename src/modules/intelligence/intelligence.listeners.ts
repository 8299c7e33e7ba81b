import type { EventBus } from '../../platform/events/event-bus';
import type { Logger } from '../../platform/logging/logger';
import type { QueueService } from '../../platform/queue/queue.service';

/** One profile refresh per customer per window, however many tickets they open in it. */
const profileWindowMs = 15 * 60_000;

/**
 * A new ticket gets a category (when it has none) and its customer's profile warmed, by jobs:
 * nothing remote runs in the request that created the ticket.
 */
export function registerIntelligenceListeners(events: EventBus, queues: QueueService, logger: Logger): void {
  events.on('ticket.created', async ({ ticketId, customerId }) => {
    const window = Math.floor(Date.now() / profileWindowMs);
    await Promise.all([
      queues.add('intelligence.categorize-ticket', { ticketId }, { jobId: `categorize:${ticketId}` }),
      queues.add(
        'intelligence.refresh-profile',
        { customerId },
        { jobId: `profile:${customerId}:${window}` },
      ),
    ]).catch((err: unknown) => logger.warn({ err, ticketId }, 'could not enqueue intelligence jobs'));
  });
}
