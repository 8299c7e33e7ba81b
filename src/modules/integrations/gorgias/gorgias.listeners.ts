import type { EventBus } from '../../../platform/events/event-bus';
import type { GorgiasPushService } from './gorgias-push.service';

/** CRM events that Gorgias must follow: each becomes a push job (when pushing is on). */
export function registerGorgiasListeners(events: EventBus, push: GorgiasPushService): void {
  if (!push.enabled) return;
  events.on('ticket.created', (e) => push.onTicketCreated(e));
  events.on('message.created', (e) => push.onMessageCreated(e));
  events.on('ticket.updated', (e, at) => push.onTicketUpdated(e, at));
}
