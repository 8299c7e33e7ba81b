import type { JobHandlers, ScheduledJob } from '../../platform/queue/queue.service';
import type { AnalyticsConfig } from './analytics.config';
import type { AnalyticsRollups } from './rollups.service';

/**
 * The refresh every ANALYTICS_REFRESH_SECONDS and the nightly recompute of yesterday (cron in
 * APP_TIMEZONE). Both are idempotent and take the rollup lock, so any number of workers may run
 * them; a refresh that finds another running is skipped (that one folds everything in).
 */
export function analyticsJobs(
  rollups: AnalyticsRollups,
  config: AnalyticsConfig,
  timezone: string,
): { handlers: JobHandlers; schedules: ScheduledJob[] } {
  return {
    handlers: {
      'analytics.refresh': () => rollups.refresh(),
      'analytics.nightly': ({ day }) => rollups.recomputeDay(day ?? rollups.yesterday()),
    },
    schedules: [
      { name: 'analytics.refresh', payload: {}, repeat: { every: config.refreshSeconds * 1000 } },
      { name: 'analytics.nightly', payload: {}, repeat: { cron: config.nightlyCron, tz: timezone } },
    ],
  };
}
