import type { DataSource } from 'typeorm';
import type { Registry } from 'prom-client';
import type { EventBus } from '../../platform/events/event-bus';
import type { AnyRoute } from '../../platform/http/route';
import type { Logger } from '../../platform/logging/logger';
import type { JobHandlers, QueueService, ScheduledJob } from '../../platform/queue/queue.service';
import type { Redis, RedisKeys } from '../../platform/redis/redis';
import type { CustomersService } from '../customers/customers.service';
import type { TicketHooks } from '../tickets/ticket-hooks';
import type { TicketsService } from '../tickets/tickets.service';
import { IntelligenceCache } from './intelligence.cache';
import type { IntelligenceConfig } from './intelligence.config';
import { intelligenceJobHandlers, intelligenceSchedules } from './intelligence.jobs';
import { registerIntelligenceListeners } from './intelligence.listeners';
import { noOrderSummaries, noRecentOrders, type IntelligencePorts } from './intelligence.ports';
import { IntelligenceRepository } from './intelligence.repository';
import { intelligenceRoutes } from './intelligence.routes';
import { IntelligenceService } from './intelligence.service';
import { CategoryModel } from './local/category-model';
import { LocalIntelligence } from './local/local-intelligence';
import { HttpQuimbiClient } from './quimbi/http-quimbi.client';
import type { QuimbiClient } from './quimbi/quimbi.client';
import { createQuimbiMetrics } from './quimbi/quimbi.metrics';

export interface IntelligenceDeps {
  config: IntelligenceConfig;
  db: DataSource;
  redis: Redis;
  keys: RedisKeys;
  events: EventBus;
  queues: QueueService;
  registry: Registry;
  logger: Logger;
  tickets: TicketsService;
  customers: CustomersService;
  ticketHooks: TicketHooks;
  /** Other modules' data (Shopify orders, SLA breaches); harmless defaults when not given. */
  ports?: Partial<IntelligencePorts>;
}

export interface IntelligenceModule {
  service: IntelligenceService;
  client: QuimbiClient;
  routes: AnyRoute[];
  jobHandlers: JobHandlers;
  schedules: ScheduledJob[];
  close(): Promise<void>;
}

/**
 * Builds the intelligence: the local intelligence, the Quimbi client around it when a URL is
 * configured, the service, its routes and jobs, and its hooks into ticket reads and writes.
 */
export function createIntelligence(deps: IntelligenceDeps): IntelligenceModule {
  const { config } = deps;
  const logger = deps.logger.child({ module: 'intelligence' });
  const repo = new IntelligenceRepository(deps.db);
  const categories = new CategoryModel(repo, config.categorizer.minExamples, logger);
  const ports: IntelligencePorts = {
    orderSummaries: noOrderSummaries,
    recentOrders: noRecentOrders,
    ...deps.ports,
  };
  const local = new LocalIntelligence(repo, deps.customers, categories, ports);
  const client: QuimbiClient =
    config.backendUrl && config.apiKey
      ? new HttpQuimbiClient(
          {
            baseUrl: config.backendUrl,
            apiKey: config.apiKey,
            timeoutMs: config.timeoutMs,
            draftTimeoutMs: config.draftTimeoutMs,
            retries: config.retries,
            retryBaseMs: config.retryBaseMs,
            maxSockets: config.maxSockets,
            breaker: config.breaker,
          },
          local,
          createQuimbiMetrics(deps.registry),
          logger,
        )
      : local;
  const cache = new IntelligenceCache(deps.redis, deps.keys);
  const service = new IntelligenceService(
    client,
    repo,
    cache,
    deps.tickets,
    deps.customers,
    categories,
    ports,
    deps.events,
    config,
    logger,
  );

  deps.ticketHooks.onRead({
    // Enrichment is a bonus: it never fails or slows the read beyond its budget.
    enrichmentFor: (ticket, customer) =>
      service.enrichmentFor(ticket, customer).catch((err: unknown) => {
        logger.warn({ err }, 'ticket enrichment failed; answering without it');
        return undefined;
      }),
  });
  deps.ticketHooks.onWrite({
    afterCreate: (tx, ticket) => repo.applyKnownCustomerValue(tx, ticket.id, ticket.customerId),
    afterUpdate: async (tx, before, after) => {
      if (before.category !== after.category) await repo.markCategoryManual(tx, after.id);
    },
  });
  registerIntelligenceListeners(deps.events, deps.queues, cache, repo, logger);
  logger.info({ mode: client.mode }, 'intelligence ready');

  return {
    service,
    client,
    routes: intelligenceRoutes(service),
    jobHandlers: intelligenceJobHandlers(service),
    schedules: intelligenceSchedules(config),
    async close() {
      // Abort calls in flight first: their fallbacks then finish the background work quickly.
      await client.close();
      await service.drain();
    },
  };
}
