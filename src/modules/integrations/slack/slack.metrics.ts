import { Counter, type Registry } from 'prom-client';

/** Slack delivery metrics, on the container's registry (exported at /metrics). */
export function createSlackMetrics(registry: Registry) {
  return {
    platformErrors: new Counter({
      name: 'slack_platform_errors_total',
      help: 'Slack Web API calls answered {ok: false}, by error (channel_not_found, invalid_auth, …)',
      labelNames: ['error'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'slack_rate_limited_total',
      help: 'Slack Web API calls answered 429 (the channel is then paused for Retry-After)',
      registers: [registry],
    }),
    transientErrors: new Counter({
      name: 'slack_transient_errors_total',
      help: 'Slack Web API calls that failed on the network, timed out or got a 5xx (retried with backoff)',
      registers: [registry],
    }),
    messagesPosted: new Counter({
      name: 'slack_messages_posted_total',
      help: 'Messages posted to Slack',
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'slack_notifications_total',
      help: 'Slack notifications by kind and outcome (queued, sent, failed, duplicate)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type SlackMetrics = ReturnType<typeof createSlackMetrics>;
