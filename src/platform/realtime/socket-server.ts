import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import type { Container } from '../../container';
import { createRedis } from '../redis/redis';
import { LocalDelivery } from './local-delivery';
import { parseEnvelope } from './room-event-log';
import type { EventBody, RealtimeIo } from './realtime.types';

export interface RealtimeServer {
  io: RealtimeIo;
  /** Disconnects this instance's sockets and releases its Redis connections (idempotent). */
  close(): Promise<void>;
}

/**
 * Attaches socket.io to the API's HTTP server (same port, path `/socket.io`):
 * - the Redis adapter (channels under `<REDIS_PREFIX>:socket.io`) carries broadcasts such as
 *   `ticket:viewers` between API instances;
 * - a subscription to the realtime event channel delivers the sequenced events published by
 *   any process (API or worker) to the sockets connected here;
 * - the realtime gateway authenticates handshakes and handles each connection.
 * Closing is registered on the container, so it runs on shutdown before the HTTP server closes.
 */
export async function attachRealtime(server: HttpServer, container: Container): Promise<RealtimeServer> {
  const { config, logger, keys } = container;
  const log = logger.child({ module: 'realtime' });
  const rt = config.realtime;
  const io: RealtimeIo = new Server(server, {
    serveClient: false,
    pingInterval: rt.pingIntervalMs,
    pingTimeout: rt.pingTimeoutMs,
    // Clients send small control messages only.
    maxHttpBufferSize: 64 * 1024,
  });

  // A connection in subscriber mode cannot answer INFO, so the ready check would fail every
  // reconnect; ioredis resubscribes by itself.
  const subscriberOptions = {
    enableAutoPipelining: false,
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
  };
  const pub = createRedis(config.redis.url, { enableAutoPipelining: false });
  const sub = createRedis(config.redis.url, subscriberOptions);
  const events = createRedis(config.redis.url, subscriberOptions);
  for (const [name, client] of Object.entries({ pub, sub, events })) {
    client.on('error', (err: Error) =>
      log.warn({ err, connection: name }, 'realtime Redis connection error'),
    );
  }
  io.adapter(createAdapter(pub, sub, { key: keys.key('socket.io') }));

  const audience = container.realtime.newWorkAudience;
  await audience.start();
  const delivery = new LocalDelivery(io, (agentId) => audience.has(agentId));
  const channel = container.realtime.log.channel;
  events.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      delivery.onEnvelope(parseEnvelope<EventBody>(message));
    } catch (err) {
      log.error({ err }, 'realtime event could not be delivered');
    }
  });
  await events.subscribe(channel);
  container.realtime.gateway.bind(io, delivery);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      container.realtime.gateway.unbind();
      audience.stop();
      // Not io.close(): it would also close the HTTP server, which main.ts closes itself.
      // Closing the transports (rather than sending a disconnect) lets clients reconnect, to
      // another instance during a rolling deploy; their missed events are replayed there.
      io.engine.close();
      await container.realtime.gateway.drain();
      await io.of('/').adapter.close();
      await Promise.all([pub, sub, events].map((c) => c.quit().catch(() => undefined)));
    })();
    return closing;
  };
  container.onClose.push(close);
  return { io, close };
}
