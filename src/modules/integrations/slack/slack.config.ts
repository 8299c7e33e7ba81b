import { z } from 'zod';
import { envBool, envInt, envOptional, envSection } from '../../../config/env-section';

/** A channel id (C…/G…), a user id for a direct message (U…/W…), or a channel name (#alerts). */
const channelRef = z
  .string()
  .regex(/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CGDUW][A-Z0-9]{2,})$/, 'must be a channel id (C0123…) or #name');

/** Five or six cron fields: minute hour day-of-month month day-of-week (seconds optional). */
const cron = z
  .string()
  .trim()
  .refine((v) => [5, 6].includes(v.split(/\s+/).length), 'must be a cron expression such as "0 8 * * 1-5"');

export const slackSection = envSection(
  {
    SLACK_BOT_TOKEN: envOptional(z.string().min(1)),
    SLACK_API_URL: envOptional(z.url()),
    SLACK_ALERT_CHANNEL: envOptional(channelRef),
    SLACK_URGENT_CHANNEL: envOptional(channelRef),
    SLACK_SIGNING_SECRET: envOptional(z.string().min(1)),
    SLACK_SUMMARY_CRON: cron.default('0 8 * * 1-5'),
    SLACK_NOTIFY_WARNINGS: envBool(false),
    SLACK_MIN_POST_INTERVAL_MS: envInt(1100, 0, 60_000),
    SLACK_BATCH_WINDOW_MS: envInt(1000, 0, 60_000),
    SLACK_BATCH_MAX: envInt(20, 1, 45),
    SLACK_MAX_ATTEMPTS: envInt(8, 1, 50),
    SLACK_RETRY_BASE_MS: envInt(2000, 10),
    SLACK_TIMEOUT_MS: envInt(10_000, 100, 120_000),
    SLACK_SWEEP_INTERVAL_MS: envInt(60_000, 1000),
  },
  (env) => ({
    slack: {
      /** Slack is on only with a bot token; without one nothing is sent and the routes answer 503. */
      enabled: env.SLACK_BOT_TOKEN !== undefined,
      botToken: env.SLACK_BOT_TOKEN,
      /** The Web API base (passed to WebClient as slackApiUrl); a local fake in tests. */
      apiUrl: env.SLACK_API_URL,
      alertChannel: env.SLACK_ALERT_CHANNEL,
      urgentChannel: env.SLACK_URGENT_CHANNEL ?? env.SLACK_ALERT_CHANNEL,
      signingSecret: env.SLACK_SIGNING_SECRET,
      summaryCron: env.SLACK_SUMMARY_CRON,
      notifyWarnings: env.SLACK_NOTIFY_WARNINGS,
      /** At most one post per channel in this window: Slack allows about one per second; the margin absorbs latency jitter. */
      minPostIntervalMs: env.SLACK_MIN_POST_INTERVAL_MS,
      /** How long the first alert of a burst waits for others to join its message. */
      batchWindowMs: env.SLACK_BATCH_WINDOW_MS,
      batchMax: env.SLACK_BATCH_MAX,
      maxAttempts: env.SLACK_MAX_ATTEMPTS,
      retryBaseMs: env.SLACK_RETRY_BASE_MS,
      timeoutMs: env.SLACK_TIMEOUT_MS,
      sweepIntervalMs: env.SLACK_SWEEP_INTERVAL_MS,
    },
  }),
);

export type SlackConfig = z.output<typeof slackSection.schema>['slack'];
