import { envInt, envSection } from '../../config/env-section';

/** SLA monitor settings. */
export const slaSection = envSection(
  {
    SLA_CHECK_INTERVAL_SECONDS: envInt(60, 1, 3600),
    SLA_WARNING_MINUTES: envInt(15, 0, 10080),
    SLA_MONITOR_BATCH_SIZE: envInt(1000, 1, 10000),
  },
  (env) => ({
    sla: {
      /** How often the monitor looks for clocks that are due or about to be. */
      checkIntervalSeconds: env.SLA_CHECK_INTERVAL_SECONDS,
      /** A warning is recorded this long before a clock is due (0: no warnings). */
      warningMinutes: env.SLA_WARNING_MINUTES,
      /** Clocks handled per monitor transaction; a tick loops until none is left. */
      monitorBatchSize: env.SLA_MONITOR_BATCH_SIZE,
    },
  }),
);

export type SlaConfig = { checkIntervalSeconds: number; warningMinutes: number; monitorBatchSize: number };
