import type { EventBus } from '../../platform/events/event-bus';
import type { SlaRepository } from './sla.repository';

/** A deleted ticket's clocks leave the monitor's index (the monitor also skips them on its own). */
export function registerSlaListeners(events: EventBus, repo: SlaRepository): void {
  events.on('ticket.deleted', ({ ticketId }) => repo.stopChecks(ticketId));
}
