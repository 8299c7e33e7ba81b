import type { DataSource } from 'typeorm';
import type { Config } from '../../config/config';
import type { EventBus } from '../../platform/events/event-bus';
import type { AnyRoute } from '../../platform/http/route';
import type { Logger } from '../../platform/logging/logger';
import type { JobHandlers, ScheduledJob } from '../../platform/queue/queue.service';
import { systemTime, type TimeSource } from '../sla/sla.service';
import { analyticsJobs } from './analytics.jobs';
import { registerAnalyticsListeners } from './analytics.listeners';
import { noChurnSource, type ChurnSource } from './analytics.ports';
import { AnalyticsRepository } from './analytics.repository';
import { analyticsRoutes } from './analytics.routes';
import { AnalyticsService } from './analytics.service';
import { RollupsRepository } from './rollups.repository';
import { AnalyticsRollups } from './rollups.service';

export interface AnalyticsModuleDeps {
  config: Config;
  db: DataSource;
  events: EventBus;
  logger: Logger;
  /** Customers at high churn risk (the intelligence module's cache); defaults to none. */
  churn?: ChurnSource;
  /** Where "now" comes from (tests move it); shared by the reports and the rollup jobs. */
  time?: TimeSource;
}

export interface AnalyticsModule {
  service: AnalyticsService;
  rollups: AnalyticsRollups;
  routes: AnyRoute[];
  jobHandlers: JobHandlers;
  schedules: ScheduledJob[];
}

/** Builds the analytics: rollup jobs, the status-interval listener, the reports and their routes. */
export function createAnalyticsModule(d: AnalyticsModuleDeps): AnalyticsModule {
  const cfg = d.config.analytics;
  const time = d.time ?? systemTime();
  const rollups = new AnalyticsRollups(
    d.db,
    new RollupsRepository(d.db),
    { timezone: d.config.timezone, batchSize: cfg.batchSize, maxBatches: cfg.maxBatches },
    time,
    d.logger.child({ module: 'analytics' }),
  );
  const service = new AnalyticsService(
    new AnalyticsRepository(d.db),
    d.churn ?? noChurnSource,
    { timezone: d.config.timezone, maxRangeDays: cfg.maxRangeDays },
    time,
  );
  registerAnalyticsListeners(d.events, rollups);
  const jobs = analyticsJobs(rollups, cfg, d.config.timezone);
  return {
    service,
    rollups,
    routes: analyticsRoutes(service, cfg.maxRangeDays),
    jobHandlers: jobs.handlers,
    schedules: jobs.schedules,
  };
}
