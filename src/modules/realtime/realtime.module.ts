import type { Config } from '../../config/config';
import type { EventBus } from '../../platform/events/event-bus';
import type { Logger } from '../../platform/logging/logger';
import type { Metrics } from '../../platform/metrics/metrics';
import { RoomEventLog } from '../../platform/realtime/room-event-log';
import type { Redis, RedisKeys } from '../../platform/redis/redis';
import { Counter } from 'prom-client';
import type { AgentsService } from '../agents/agents.service';
import type { AuthService } from '../auth/auth.service';
import type { TicketsService } from '../tickets/tickets.service';
import { CollisionService } from './collision.service';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';
import { RealtimeGateway } from './realtime.gateway';
import { registerRealtimeListeners } from './realtime.listeners';
import { RealtimePublisher } from './realtime.publisher';
import { ViewersRepository } from './viewers.repository';
import { NewWorkAudience } from './new-work-audience';

export interface RealtimeModule {
  log: RoomEventLog;
  publisher: RealtimePublisher;
  presence: PresenceService;
  collision: CollisionService;
  /** Bound to a socket.io server by attachRealtime (API processes only). */
  gateway: RealtimeGateway;
  /** Agents a new ticket is announced to; started by attachRealtime (API processes only). */
  newWorkAudience: NewWorkAudience;
}

interface RealtimeDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  keys: RedisKeys;
  events: EventBus;
  metrics: Metrics;
  auth: AuthService;
  agents: AgentsService;
  tickets: TicketsService;
}

/**
 * Builds the realtime module for any process. Every process (API or worker) turns its domain
 * events into socket events through Redis; only API processes also bind the gateway to sockets.
 */
export function createRealtimeModule(d: RealtimeDeps): RealtimeModule {
  const rt = d.config.realtime;
  const logger = d.logger.child({ module: 'realtime' });
  const log = new RoomEventLog(d.redis, d.keys, {
    retentionMs: rt.replaySeconds * 1000,
    maxEvents: rt.replayMaxEvents,
  });
  const published = new Counter({
    name: 'realtime_events_published_total',
    help: 'Socket events recorded and published, by event',
    labelNames: ['event'] as const,
    registers: [d.metrics.registry],
  });
  const publisher = new RealtimePublisher(log, (event) => published.inc({ event }));
  const presence = new PresenceService(new PresenceRepository(d.redis, d.keys), d.agents, rt, logger);
  const collision = new CollisionService(new ViewersRepository(d.redis, d.keys), rt);
  const gateway = new RealtimeGateway({
    auth: d.auth,
    agents: d.agents,
    tickets: d.tickets,
    log,
    presence,
    collision,
    config: rt,
    logger,
    registry: d.metrics.registry,
  });
  registerRealtimeListeners(d.events, publisher, { agents: d.agents, tickets: d.tickets, presence });
  const newWorkAudience = new NewWorkAudience(d.agents, d.events, 5000, logger);
  return { log, publisher, presence, collision, gateway, newWorkAudience };
}
