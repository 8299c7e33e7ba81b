import type { EventBus } from '../../platform/events/event-bus';
import type { AnalyticsRollups } from './rollups.service';

/**
 * Agents' status changes become status intervals (online time). The refresh job repairs any
 * interval a lost event left out of step, so this is the fast path, not the only one.
 */
export function registerAnalyticsListeners(events: EventBus, rollups: AnalyticsRollups): void {
  events.on('agent.status_changed', (p, at) => rollups.recordStatus(p.agentId, new Date(at)));
}
