import type { DataSource } from 'typeorm';
import type { Config } from './config/config';
import { createDataSource } from './platform/db/data-source';
import { EventBus } from './platform/events/event-bus';
import type { AnyRoute } from './platform/http/route';
import { createLogger, type Logger } from './platform/logging/logger';
import { createMetrics, type Metrics } from './platform/metrics/metrics';
import { QueueService, type JobHandlers, type ScheduledJob } from './platform/queue/queue.service';
import { createRedis, RedisKeys, type Redis } from './platform/redis/redis';
import { AgentsRepository } from './modules/agents/agents.repository';
import { agentRoutes } from './modules/agents/agents.routes';
import { AgentsService } from './modules/agents/agents.service';
import { AccessTokens } from './modules/auth/access-tokens';
import { authRoutes } from './modules/auth/auth.routes';
import { AuthService } from './modules/auth/auth.service';
import { LoginThrottle } from './modules/auth/login-throttle';
import { PasswordHasher } from './modules/auth/password-hasher';
import { RefreshTokensRepository } from './modules/auth/refresh-tokens.repository';
import { SessionRevocations } from './modules/auth/session-revocations';
import { CustomersRepository } from './modules/customers/customers.repository';
import { customerRoutes } from './modules/customers/customers.routes';
import { CustomersService } from './modules/customers/customers.service';
import { MessagesRepository } from './modules/tickets/messages.repository';
import { messageRoutes } from './modules/tickets/messages.routes';
import { MessagesService } from './modules/tickets/messages.service';
import { TicketHooks } from './modules/tickets/ticket-hooks';
import { TicketsRepository } from './modules/tickets/tickets.repository';
import { ticketRoutes } from './modules/tickets/tickets.routes';
import { TicketsService } from './modules/tickets/tickets.service';
import { jobRoutes } from './modules/jobs/jobs.routes';
import { JobsService } from './modules/jobs/jobs.service';
import { createShopifyModule, type ShopifyModule } from './modules/integrations/shopify/shopify.module';

export interface ContainerOptions {
  /** Names the process in logs, metrics and Postgres' application_name. */
  processName?: 'api' | 'worker' | 'cli' | 'test';
  logger?: Logger;
}

export interface Services {
  auth: AuthService;
  agents: AgentsService;
  customers: CustomersService;
  tickets: TicketsService;
  messages: MessagesService;
  jobs: JobsService;
  /** Shopify webhooks, sync, orders; `shopify.orders` is the intelligence's OrderSummarySource. */
  shopify: ShopifyModule;
}

export interface Container {
  config: Config;
  logger: Logger;
  db: DataSource;
  redis: Redis;
  keys: RedisKeys;
  queues: QueueService;
  events: EventBus;
  metrics: Metrics;
  ticketHooks: TicketHooks;
  services: Services;
  routes: AnyRoute[];
  jobHandlers: JobHandlers;
  schedules: ScheduledJob[];
  /** Resources to release on close, last first. */
  onClose: Array<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * The composition root: the only place that knows how the pieces fit. Connects to Postgres
 * and Redis, builds every service, and collects the routes, job handlers and schedules that
 * the API and the worker mount.
 */
export async function createContainer(config: Config, opts: ContainerOptions = {}): Promise<Container> {
  const processName = opts.processName ?? 'api';
  const logger = opts.logger ?? createLogger(config.logLevel).child({ process: processName });
  const metrics = createMetrics(processName);
  const db = createDataSource({ ...config.db, applicationName: `crm-${processName}` });
  await db.initialize();
  const redis = createRedis(config.redis.url);
  const keys = new RedisKeys(config.redis.prefix);
  const queues = new QueueService(config.redis.url, config.redis.prefix, logger.child({ module: 'queue' }));
  const events = new EventBus(logger.child({ module: 'events' }), (type) =>
    metrics.domainEvents.inc({ type }),
  );
  const ticketHooks = new TicketHooks();

  const hasher = new PasswordHasher(config.auth.bcryptRounds);
  const revocations = new SessionRevocations(redis, keys, config.auth.accessTtlSeconds);
  // Auth and agents need each other (login reads agents; deactivation ends sessions).
  const late: { agents?: AgentsService } = {};
  const auth = new AuthService(
    db,
    () => {
      if (!late.agents) throw new Error('agents service not built yet');
      return late.agents;
    },
    new RefreshTokensRepository(db),
    new AccessTokens(config.auth.jwtSecret, config.auth.accessTtlSeconds),
    revocations,
    new LoginThrottle(redis, keys.key('auth'), config.auth.throttle),
    hasher,
    config.auth.refreshTtlDays,
    logger.child({ module: 'auth' }),
  );
  const agents = new AgentsService(new AgentsRepository(db), hasher, auth, events);
  late.agents = agents;
  const customers = new CustomersService(new CustomersRepository(db), events);
  const ticketsRepo = new TicketsRepository(db);
  const messagesRepo = new MessagesRepository(db);
  const tickets = new TicketsService(db, ticketsRepo, messagesRepo, customers, ticketHooks, events);
  const messages = new MessagesService(db, ticketsRepo, messagesRepo, customers, ticketHooks, events);

  const jobs = new JobsService(queues, events);

  const shopify = createShopifyModule({
    config,
    db,
    redis,
    keys,
    queues,
    events,
    jobs,
    logger,
    registry: metrics.registry,
  });

  const services: Services = { auth, agents, customers, tickets, messages, jobs, shopify };
  const routes: AnyRoute[] = [
    ...authRoutes(auth, agents),
    ...agentRoutes(agents),
    ...customerRoutes(customers),
    ...ticketRoutes(tickets),
    ...messageRoutes(messages),
    ...jobRoutes(jobs),
    ...shopify.routes,
  ];
  const jobHandlers: JobHandlers = {
    'auth.prune-refresh-tokens': async () => ({ deleted: await auth.pruneExpired() }),
    ...shopify.jobHandlers,
  };
  const schedules: ScheduledJob[] = [
    { name: 'auth.prune-refresh-tokens', payload: {}, repeat: { cron: '17 3 * * *' } },
    ...shopify.schedules,
  ];

  const onClose: Array<() => Promise<void>> = [() => shopify.close()];
  const container: Container = {
    config,
    logger,
    db,
    redis,
    keys,
    queues,
    events,
    metrics,
    ticketHooks,
    services,
    routes,
    jobHandlers,
    schedules,
    onClose,
    async close() {
      for (const fn of [...onClose].reverse())
        await fn().catch((err: unknown) => logger.warn({ err }, 'close step failed'));
      await events.drain();
      await queues.close();
      await redis.quit().catch(() => undefined);
      if (db.isInitialized) await db.destroy();
    },
  };
  return container;
}
