import type { JobHandlers, ScheduledJob } from '../../platform/queue/queue.service';
import type { IntelligenceConfig } from './intelligence.config';
import type { IntelligenceService } from './intelligence.service';

export function intelligenceJobHandlers(intelligence: IntelligenceService): JobHandlers {
  return {
    'intelligence.categorize-ticket': ({ ticketId }) => intelligence.categorizeTicket(ticketId),
    'intelligence.refresh-profile': async ({ customerId }) => ({
      outcome: await intelligence.refreshProfile(customerId),
    }),
    'intelligence.retrain-categorizer': () => intelligence.retrainCategorizer(),
  };
}

export function intelligenceSchedules(config: IntelligenceConfig): ScheduledJob[] {
  return [
    {
      name: 'intelligence.retrain-categorizer',
      payload: {},
      repeat: { every: config.categorizer.retrainIntervalMs },
    },
  ];
}
