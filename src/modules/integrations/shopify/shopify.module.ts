import { Counter, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../../../config/config';
import type { EventBus } from '../../../platform/events/event-bus';
import type { AnyRoute } from '../../../platform/http/route';
import type { Logger } from '../../../platform/logging/logger';
import type { JobHandlers, QueueService, ScheduledJob } from '../../../platform/queue/queue.service';
import type { Redis, RedisKeys } from '../../../platform/redis/redis';
import type { JobsService } from '../../jobs/jobs.service';
import { AckPressure } from './ack-pressure';
import { DeliveryRecorder } from './delivery-recorder';
import { createShopifyAdminApi, type ShopifyAdminApi } from './shopify-client';
import { ShopifyComplianceService } from './shopify-compliance.service';
import { ShopifyCustomersService } from './shopify-customers.service';
import { notConfigured, ShopifyOrdersService } from './shopify-orders.service';
import { ShopifySyncService } from './shopify-sync.service';
import { ShopifyWebhooksService } from './shopify-webhooks.service';
import { ShopifyRepository } from './shopify.repository';
import { shopifyRoutes } from './shopify.routes';

export interface ShopifyDeps {
  config: Config;
  db: DataSource;
  redis: Redis;
  keys: RedisKeys;
  queues: QueueService;
  events: EventBus;
  jobs: JobsService;
  logger: Logger;
  /** The process' metrics registry (never prom-client's global one). */
  registry: Registry;
}

export type ShopifyJobName =
  'shopify.webhooks' | 'shopify.sync' | 'shopify.reconcile' | 'shopify.sweep-deliveries';

export interface ShopifyModule {
  customers: ShopifyCustomersService;
  /** Also the `OrderSummarySource` for the intelligence (recentOrders, orderSummary). */
  orders: ShopifyOrdersService;
  sync: ShopifySyncService;
  webhooks: ShopifyWebhooksService;
  compliance: ShopifyComplianceService;
  routes: AnyRoute[];
  jobHandlers: Required<Pick<JobHandlers, ShopifyJobName>>;
  schedules: ScheduledJob[];
  close(): Promise<void>;
}

/** Deliveries still unprocessed this long after arriving are enqueued again by the sweep. */
const strandedAfterSeconds = 120;
/** Most deliveries handled by one `shopify.webhooks` job. */
const webhookBatch = 100;

/** Builds the Shopify integration: one call from the composition root. */
export function createShopifyModule(d: ShopifyDeps): ShopifyModule {
  const settings = d.config.shopify;
  const logger = d.logger.child({ module: 'shopify' });
  const deliveries = new Counter({
    name: 'shopify_webhook_deliveries_total',
    help: 'Shopify webhook deliveries: acknowledged (new, duplicate, ignored) by the API, then processed, failed or skipped by the worker',
    labelNames: ['stage', 'outcome'] as const,
    registers: [d.registry],
  });
  const repo = new ShopifyRepository(d.db);

  // Clients are built on first use: a process that never calls Shopify never opens a socket.
  const clients: Partial<Record<'background' | 'interactive', ShopifyAdminApi>> = {};
  const client = (mode: 'background' | 'interactive') => (): ShopifyAdminApi => {
    if (!settings) throw notConfigured();
    return (clients[mode] ??= createShopifyAdminApi(settings, mode));
  };

  const customers = new ShopifyCustomersService(repo, d.events, logger);
  const orders = new ShopifyOrdersService(
    settings,
    repo,
    customers,
    client('interactive'),
    d.redis,
    d.keys,
    logger,
  );
  const compliance = new ShopifyComplianceService(repo, orders, d.events);
  // One job per recorded batch (not per delivery): under load that is one queue write and one
  // job fetch for dozens of deliveries. Processing is idempotent, so a delivery enqueued twice
  // (a repeat of an unprocessed one, the sweep) is simply skipped the second time.
  const enqueueWebhooks = async (webhookIds: string[]): Promise<void> => {
    for (let i = 0; i < webhookIds.length; i += webhookBatch) {
      await d.queues.add(
        'shopify.webhooks',
        { webhookIds: webhookIds.slice(i, i + webhookBatch) },
        { removeOnComplete: true },
      );
    }
  };
  const recorder = new DeliveryRecorder(repo, enqueueWebhooks, logger);
  const stormRest = new Counter({
    name: 'shopify_webhook_storm_rest_seconds_total',
    help: 'Time the worker rested between shopify.webhooks jobs to leave the CPU to a storm of acknowledgements',
    registers: [d.registry],
  });
  const pressure = new AckPressure(
    d.redis,
    d.keys,
    settings?.storm ?? { acksPerSecond: 0, processingPercent: 100 },
    logger,
    { rested: (ms) => stormRest.inc(ms / 1000) },
  );
  const webhooks = new ShopifyWebhooksService(
    settings,
    repo,
    recorder,
    customers,
    orders,
    compliance,
    logger,
    {
      acknowledged: (outcome) => {
        deliveries.inc({ stage: 'ack', outcome });
        pressure.acknowledged();
      },
      processed: (outcome, n) => deliveries.inc({ stage: 'job', outcome }, n),
    },
  );
  const sync = new ShopifySyncService(
    settings,
    repo,
    customers,
    orders,
    client('background'),
    d.jobs,
    d.queues,
    d.redis,
    d.keys,
    logger,
  );

  const jobHandlers: ShopifyModule['jobHandlers'] = {
    'shopify.webhooks': async (payload, job) => {
      const attempts = job.opts.attempts ?? 1;
      return pressure.paced(() =>
        webhooks.processBatch(payload.webhookIds, job.attemptsMade + 1 >= attempts),
      );
    },
    'shopify.sync': (payload, job) => sync.runJob(payload.runId, job),
    'shopify.reconcile': (_payload, job) => sync.reconcile(job),
    'shopify.sweep-deliveries': async () => {
      const stranded = await webhooks.strandedDeliveries(strandedAfterSeconds);
      await enqueueWebhooks(stranded);
      return { requeued: stranded.length, pruned: await webhooks.pruneDeliveries() };
    },
  };
  const schedules: ScheduledJob[] = [
    { name: 'shopify.sweep-deliveries', payload: {}, repeat: { every: 5 * 60 * 1000 } },
    ...(settings
      ? [
          {
            name: 'shopify.reconcile' as const,
            payload: { requesterId: null },
            repeat: { cron: settings.reconcileCron },
          },
        ]
      : []),
  ];

  return {
    customers,
    orders,
    sync,
    webhooks,
    compliance,
    routes: shopifyRoutes({ webhooks, sync, orders, compliance }),
    jobHandlers,
    schedules,
    async close() {
      for (const c of Object.values(clients)) c.close();
      await pressure.close();
    },
  };
}
