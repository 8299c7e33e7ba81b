import { z } from 'zod';
import { envInt, envSection } from '../../config/env-section';

/** Analytics rollup jobs and report limits. */
export const analyticsSection = envSection(
  {
    ANALYTICS_REFRESH_SECONDS: envInt(60, 1, 3600),
    ANALYTICS_BATCH_SIZE: envInt(500, 1, 10000),
    ANALYTICS_MAX_BATCHES: envInt(200, 1, 100000),
    ANALYTICS_NIGHTLY_CRON: z
      .string()
      .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression such as "20 0 * * *"')
      .default('20 0 * * *'),
    ANALYTICS_MAX_RANGE_DAYS: envInt(400, 1, 3660),
  },
  (env) => ({
    analytics: {
      /** How often the refresh job folds in what changed (today's figures lag by at most this). */
      refreshSeconds: env.ANALYTICS_REFRESH_SECONDS,
      /** Change-log rows taken per fold transaction. */
      batchSize: env.ANALYTICS_BATCH_SIZE,
      /** Fold transactions per refresh run; what is left waits for the next run. */
      maxBatches: env.ANALYTICS_MAX_BATCHES,
      /** When the nightly recompute of yesterday runs, in APP_TIMEZONE. */
      nightlyCron: env.ANALYTICS_NIGHTLY_CRON,
      /** The longest `from`–`to` range a report accepts, in days. */
      maxRangeDays: env.ANALYTICS_MAX_RANGE_DAYS,
    },
  }),
);

export interface AnalyticsConfig {
  refreshSeconds: number;
  batchSize: number;
  maxBatches: number;
  nightlyCron: string;
  maxRangeDays: number;
}
