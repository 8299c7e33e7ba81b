import type { DataSource } from 'typeorm';
import type { EventBus } from '../../../platform/events/event-bus';
import type { AnyRoute } from '../../../platform/http/route';
import type { Logger } from '../../../platform/logging/logger';
import type { JobHandlers, QueueService, ScheduledJob } from '../../../platform/queue/queue.service';
import type { Redis, RedisKeys } from '../../../platform/redis/redis';
import type { CustomersService } from '../../customers/customers.service';
import type { JobsService } from '../../jobs/jobs.service';
import type { MessagesService } from '../../tickets/messages.service';
import type { TicketsService } from '../../tickets/tickets.service';
import { ExternalLinksRepository } from './external-links.repository';
import type { GorgiasClient } from './gorgias.client';
import type { GorgiasSettings } from './gorgias.config';
import { gorgiasJobHandlers, gorgiasSchedules } from './gorgias.jobs';
import { registerGorgiasListeners } from './gorgias.listeners';
import { PROVIDER } from './gorgias.mapper';
import { GorgiasRepository } from './gorgias.repository';
import { gorgiasRoutes } from './gorgias.routes';
import { GorgiasService } from './gorgias.service';
import { HttpGorgiasClient } from './gorgias-http.client';
import { GorgiasImportService } from './gorgias-import.service';
import { GorgiasLocks } from './gorgias-locks';
import { GorgiasPushService } from './gorgias-push.service';
import { RedisSlidingWindowLimiter } from './gorgias-rate-limiter';
import { GorgiasWebhooksService } from './gorgias-webhooks.service';

export interface GorgiasModuleDeps {
  settings: GorgiasSettings;
  db: DataSource;
  redis: Redis;
  keys: RedisKeys;
  queues: QueueService;
  events: EventBus;
  logger: Logger;
  tickets: TicketsService;
  messages: MessagesService;
  customers: CustomersService;
  jobs: JobsService;
}

export interface GorgiasServices {
  client: GorgiasClient | null;
  importer: GorgiasImportService;
  push: GorgiasPushService;
  webhooks: GorgiasWebhooksService;
  links: ExternalLinksRepository;
  gorgias: GorgiasService;
}

export interface GorgiasModule {
  services: GorgiasServices;
  routes: AnyRoute[];
  jobHandlers: JobHandlers;
  schedules: ScheduledJob[];
}

/**
 * Builds the Gorgias integration. Without an account configured the client is null: the routes
 * answer 503, the jobs skip, nothing is pushed, and the rest of the CRM is unaffected.
 */
export function createGorgiasModule(d: GorgiasModuleDeps): GorgiasModule {
  const logger = d.logger.child({ module: 'gorgias' });
  const { settings } = d;
  const account = settings.account;
  const limiter = account
    ? new RedisSlidingWindowLimiter(
        d.redis,
        d.keys.key('gorgias', account.domain, 'rate'),
        settings.rateLimit,
      )
    : null;
  const client: GorgiasClient | null =
    account && limiter
      ? new HttpGorgiasClient(account, limiter, logger, {
          timeoutMs: settings.timeoutMs,
          defaultRetryAfterMs: settings.rateLimit.windowMs,
        })
      : null;
  // A lock outlives the longest request it may cover: a full wait for a rate-limit slot plus retries.
  const lockTtlMs = settings.rateLimit.maxWaitMs + settings.timeoutMs * 3 + 30_000;
  const locks = new GorgiasLocks(d.redis, d.keys.key('gorgias', 'lock'), {
    ttlMs: lockTtlMs,
    waitMs: lockTtlMs,
  });
  const links = new ExternalLinksRepository(d.db, PROVIDER);
  const repo = new GorgiasRepository(d.db);
  const common = { db: d.db, settings, client, links, locks, queues: d.queues, logger };
  const importer = new GorgiasImportService({
    ...common,
    repo,
    tickets: d.tickets,
    messages: d.messages,
    customers: d.customers,
    jobs: d.jobs,
  });
  const push = new GorgiasPushService({
    ...common,
    tickets: d.tickets,
    messages: d.messages,
    customers: d.customers,
  });
  const webhooks = new GorgiasWebhooksService({ ...common, repo, importer });
  const gorgias = new GorgiasService(settings, links, d.tickets);
  registerGorgiasListeners(d.events, push);
  return {
    services: { client, importer, push, webhooks, links, gorgias },
    routes: gorgiasRoutes(importer, webhooks, gorgias),
    jobHandlers: gorgiasJobHandlers(importer, push, webhooks, logger),
    schedules: gorgiasSchedules(settings),
  };
}
