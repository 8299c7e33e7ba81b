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
import { AssignmentRepository } from './modules/assignment/assignment.repository';
import { assignmentJobs, BacklogTrigger } from './modules/assignment/assignment.jobs';
import {
  registerAssignmentListeners,
  registerReleaseListener,
} from './modules/assignment/assignment.listeners';
import { assignmentRoutes } from './modules/assignment/assignment.routes';
import { AssignmentService } from './modules/assignment/assignment.service';
import { JobsService } from './modules/jobs/jobs.service';
import { createRealtimeModule, type RealtimeModule } from './modules/realtime/realtime.module';
import { createSlackModule } from './modules/integrations/slack/slack.module';
import type { SlackService } from './modules/integrations/slack/slack.service';
import { SlaMonitor } from './modules/sla/sla-monitor.service';
import { slaJobs } from './modules/sla/sla.jobs';
import { registerSlaListeners } from './modules/sla/sla.listeners';
import { SlaRepository } from './modules/sla/sla.repository';
import { slaRoutes } from './modules/sla/sla.routes';
import { SlaService, systemTime } from './modules/sla/sla.service';
import { createIntelligence } from './modules/intelligence/intelligence.module';
import type { IntelligenceService } from './modules/intelligence/intelligence.service';
import { createGorgiasModule, type GorgiasServices } from './modules/integrations/gorgias/gorgias.module';
import { createShopifyModule, type ShopifyModule } from './modules/integrations/shopify/shopify.module';
import { createAnalyticsModule } from './modules/analytics/analytics.module';
import type { AnalyticsService } from './modules/analytics/analytics.service';
import type { AnalyticsRollups } from './modules/analytics/rollups.service';

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
  slack: SlackService;
  sla: SlaService;
  slaMonitor: SlaMonitor;
  assignment: AssignmentService;
  intelligence: IntelligenceService;
  gorgias: GorgiasServices;
  /** Shopify webhooks, sync, orders; `shopify.orders` feeds the intelligence's order context. */
  shopify: ShopifyModule;
  analytics: AnalyticsService;
  analyticsRollups: AnalyticsRollups;
}

/** A feature's contribution: routes for the API, job handlers and schedules for the worker. */
interface FeatureParts {
  routes?: AnyRoute[];
  handlers?: JobHandlers;
  schedules?: ScheduledJob[];
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
  /** Domain events → sockets (every process); the socket gateway (API, via attachRealtime). */
  realtime: RealtimeModule;
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

  // Shopify (issue 8): webhooks in, customer sync, order context.
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

  const realtime = createRealtimeModule({
    config,
    logger,
    redis,
    keys,
    events,
    metrics,
    auth,
    agents,
    tickets,
  });
  // Slack (issue 9): alerts from domain events through a durable, batched outbox.
  const slack = createSlackModule({
    config,
    db,
    redis,
    keys,
    queues,
    events,
    metrics,
    logger,
    // The churn the intelligence last computed (its Postgres copy: a fast read for a listener).
    churn: {
      riskFor: async (customerId) =>
        (await intelligence.service.lastKnownChurn(customerId)) ?? { riskLevel: 'unknown' },
    },
  });

  // SLA: clocks move with ticket writes (in their transaction); the monitor records alerts.
  const slaRepo = new SlaRepository(db);
  const slaTime = systemTime();
  const sla = new SlaService(
    db,
    slaRepo,
    tickets,
    { warningMinutes: config.sla.warningMinutes, reportTimezone: config.timezone },
    slaTime,
  );
  ticketHooks.onWrite(sla.writeHooks());
  ticketHooks.onRead(sla.readHooks());
  const slaMonitor = new SlaMonitor(
    db,
    slaRepo,
    events,
    config.sla,
    slaTime,
    logger.child({ module: 'sla' }),
  );
  registerSlaListeners(events, slaRepo);
  const slaWork = slaJobs(slaMonitor, config.sla.checkIntervalSeconds);

  // Intelligence: the Quimbi client behind breakers, with the local intelligence as fallback.
  const intelligence = createIntelligence({
    config: config.intelligence,
    db,
    redis,
    keys,
    events,
    queues,
    registry: metrics.registry,
    logger,
    tickets,
    customers,
    ticketHooks,
    ports: { slaBreaches: sla, orderSummaries: shopify.orders, recentOrders: shopify.orders },
  });

  const assignment = new AssignmentService(
    db,
    new AssignmentRepository(db),
    ticketsRepo,
    tickets,
    ticketHooks,
    events,
    logger.child({ module: 'assignment' }),
  );
  ticketHooks.onWrite(assignment.writeHooks());
  const backlog = new BacklogTrigger(queues, redis, keys);
  if (config.assignment.auto) registerAssignmentListeners(events, queues, backlog);
  registerReleaseListener(events, queues);
  const assignmentWork = assignmentJobs(config, assignment, backlog);

  // Gorgias (issue 11): two-way ticket sync through a shared rate limiter.
  const gorgias = createGorgiasModule({
    settings: config.gorgias,
    db,
    redis,
    keys,
    queues,
    events,
    logger,
    tickets,
    messages,
    customers,
    jobs,
  });

  // Analytics (issue 10): daily rollups kept by a change log, reports read from them.
  const analytics = createAnalyticsModule({
    config,
    db,
    events,
    logger,
    // The churn the intelligence last computed and stored.
    churn: {
      name: 'intelligence',
      highRisk: async (limit) =>
        (await intelligence.service.highChurnRisk(limit)).map((c) => ({ ...c, riskLevel: 'high' as const })),
    },
  });

  const services: Services = {
    auth,
    agents,
    customers,
    tickets,
    messages,
    jobs,
    slack: slack.service,
    sla,
    slaMonitor,
    assignment,
    intelligence: intelligence.service,
    gorgias: gorgias.services,
    shopify,
    analytics: analytics.service,
    analyticsRollups: analytics.rollups,
  };
  // What each feature contributes to the API and the worker. A feature adds one entry here.
  const features: FeatureParts[] = [
    // Before the ticket routes: `/api/tickets/unassigned` must win over `/api/tickets/:id`.
    { routes: assignmentRoutes(assignment, tickets), ...assignmentWork },
    {
      routes: [
        ...authRoutes(auth, agents),
        ...agentRoutes(agents),
        ...customerRoutes(customers),
        ...ticketRoutes(tickets),
        ...messageRoutes(messages),
        ...jobRoutes(jobs),
      ],
      handlers: { 'auth.prune-refresh-tokens': async () => ({ deleted: await auth.pruneExpired() }) },
      schedules: [{ name: 'auth.prune-refresh-tokens', payload: {}, repeat: { cron: '17 3 * * *' } }],
    },
    { routes: slaRoutes(sla), ...slaWork },
    { routes: slack.routes, handlers: slack.jobHandlers, schedules: slack.schedules },
    { routes: intelligence.routes, handlers: intelligence.jobHandlers, schedules: intelligence.schedules },
    { routes: gorgias.routes, handlers: gorgias.jobHandlers, schedules: gorgias.schedules },
    { routes: shopify.routes, handlers: shopify.jobHandlers, schedules: shopify.schedules },
    { routes: analytics.routes, handlers: analytics.jobHandlers, schedules: analytics.schedules },
  ];
  const routes: AnyRoute[] = features.flatMap((f) => f.routes ?? []);
  const jobHandlers: JobHandlers = Object.assign({}, ...features.map((f) => f.handlers ?? {}));
  const schedules: ScheduledJob[] = features.flatMap((f) => f.schedules ?? []);

  const onClose: Array<() => Promise<void>> = [];
  onClose.push(
    () => intelligence.close(),
    () => shopify.close(),
  );
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
    realtime,
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
