import type { JobHandlers, ScheduledJob } from '../../../platform/queue/queue.service';
import type { SlackConfig } from './slack.config';
import type { SlackEventsService } from './slack-events.service';
import type { SlackService } from './slack.service';

/** Handlers of the `slack` queue. They are registered even when Slack is off (they then do nothing). */
export function slackJobHandlers(slack: SlackService, events: SlackEventsService): JobHandlers {
  return {
    'slack.alert': (job) => slack.recordAlert(job),
    'slack.flush': ({ channel }) => slack.flush(channel),
    'slack.event': ({ eventId }) => events.process(eventId),
    'slack.daily-summary': () => slack.sendDailySummary(),
    'slack.sweep': () => slack.sweep(),
  };
}

export function slackSchedules(cfg: SlackConfig, timezone: string): ScheduledJob[] {
  if (!cfg.enabled) return [];
  return [
    { name: 'slack.daily-summary', payload: {}, repeat: { cron: cfg.summaryCron, tz: timezone } },
    { name: 'slack.sweep', payload: {}, repeat: { every: cfg.sweepIntervalMs } },
  ];
}
