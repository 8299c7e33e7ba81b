import type { DataSource } from 'typeorm';
import type { Config } from '../../../config/config';
import type { EventBus } from '../../../platform/events/event-bus';
import type { AnyRoute } from '../../../platform/http/route';
import type { Logger } from '../../../platform/logging/logger';
import type { Metrics } from '../../../platform/metrics/metrics';
import type { JobHandlers, ScheduledJob } from '../../../platform/queue/queue.service';
import type { QueueService } from '../../../platform/queue/queue.service';
import type { Redis, RedisKeys } from '../../../platform/redis/redis';
import { SlackEventsService } from './slack-events.service';
import { WebApiSlackClient, type SlackApi } from './slack.client';
import { slackJobHandlers, slackSchedules } from './slack.jobs';
import { registerSlackListeners } from './slack.listeners';
import { createSlackMetrics } from './slack.metrics';
import { SlackRepository } from './slack.repository';
import { slackRoutes } from './slack.routes';
import { SlackService } from './slack.service';
import { SlackThrottle } from './slack.throttle';
import { unknownChurnRisk, type ChurnRiskSource, type DailySummarySource } from './slack.types';

export interface SlackModuleDeps {
  config: Config;
  db: DataSource;
  redis: Redis;
  keys: RedisKeys;
  queues: QueueService;
  events: EventBus;
  metrics: Metrics;
  logger: Logger;
  /** Churn risk of a customer (cached); defaults to "unknown", which never alerts. */
  churn?: ChurnRiskSource;
  /** The daily summary's figures; defaults to plain SQL over the ticket tables. */
  summaries?: DailySummarySource;
  /** Replaces the real Web API client (tests of odd failures); normally built from the config. */
  api?: SlackApi;
}

export interface SlackModule {
  service: SlackService;
  events: SlackEventsService;
  routes: AnyRoute[];
  jobHandlers: JobHandlers;
  schedules: ScheduledJob[];
}

/**
 * Builds the Slack integration. Without SLACK_BOT_TOKEN it is off: no listeners, no schedules,
 * routes answer 503 and the job handlers do nothing.
 */
export function createSlackModule(d: SlackModuleDeps): SlackModule {
  const cfg = d.config.slack;
  const logger = d.logger.child({ module: 'slack' });
  const repo = new SlackRepository(d.db);
  const api =
    d.api ??
    (cfg.botToken
      ? new WebApiSlackClient(cfg.botToken, { apiUrl: cfg.apiUrl, timeoutMs: cfg.timeoutMs, logger })
      : null);
  const service = new SlackService(
    d.db,
    repo,
    api,
    new SlackThrottle(d.redis, d.keys, cfg.minPostIntervalMs),
    d.queues,
    d.redis,
    d.keys,
    d.summaries ?? repo,
    createSlackMetrics(d.metrics.registry),
    { slack: cfg, appUrl: d.config.http.appUrl, timezone: d.config.timezone },
    logger,
  );
  const events = new SlackEventsService(cfg, repo, d.queues, service, logger);
  if (cfg.enabled) {
    registerSlackListeners(d.events, d.queues, cfg, d.churn ?? unknownChurnRisk, logger);
    if (!cfg.alertChannel)
      logger.warn('Slack is on but SLACK_ALERT_CHANNEL is not set: SLA alerts are skipped');
  }
  return {
    service,
    events,
    routes: slackRoutes(service, events),
    jobHandlers: slackJobHandlers(service, events),
    schedules: slackSchedules(cfg, d.config.timezone),
  };
}
