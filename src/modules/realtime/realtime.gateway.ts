import { Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { AppError, ConflictError, ForbiddenError } from '../../platform/errors/app-error';
import type { Logger } from '../../platform/logging/logger';
import type { LocalDelivery } from '../../platform/realtime/local-delivery';
import type { LogEnvelope, RoomEventLog } from '../../platform/realtime/room-event-log';
import type { EventBody, RealtimeIo, RealtimeSocket } from '../../platform/realtime/realtime.types';
import type { Actor } from '../../platform/security/actor';
import type { AuthService } from '../auth/auth.service';
import type { AgentsService } from '../agents/agents.service';
import type { TicketsService } from '../tickets/tickets.service';
import type { CollisionService, ViewersUpdate } from './collision.service';
import type { PresenceService } from './presence.service';
import type { AckError, RoomSeqs } from './realtime.events';
import type { RealtimeConfig } from './realtime.config';
import {
  authRefreshSchema,
  handshakeAuthSchema,
  presenceSetSchema,
  ticketRefSchema,
  ticketTypingSchema,
  ticketViewSchema,
} from './realtime.schemas';
import { connectionRooms, Rooms } from './rooms';

/** Tickets one connection may view at once (a console shows a few; this bounds Redis entries). */
const MAX_VIEWS_PER_CONNECTION = 25;
/** Longest delay setTimeout accepts; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface ConnectionState {
  token: string;
  /** Resolves when rooms are joined, missed events replayed and presence recorded. */
  ready: Promise<void>;
  viewing: Set<string>;
  typing: Map<string, NodeJS.Timeout>;
  /** Presence was recorded for this connection (so its end must be recorded too). */
  present: boolean;
  warnTimer?: NodeJS.Timeout;
  /** The expiry `auth:expiring` was sent for (once per token). */
  warnedFor?: number;
  expiryTimer?: NodeJS.Timeout;
  lastBeatAt: number;
}

export interface GatewayDeps {
  auth: AuthService;
  agents: AgentsService;
  tickets: TicketsService;
  log: RoomEventLog;
  presence: PresenceService;
  collision: CollisionService;
  config: RealtimeConfig;
  logger: Logger;
  registry: Registry;
}

/** A refused handshake: the client sees `connect_error` with this message and `data.code`. */
class ConnectRefusal extends Error {
  constructor(
    message: string,
    readonly data: { code: string },
  ) {
    super(message);
  }
}

/**
 * The socket side of the realtime module, bound to one socket.io server:
 * - authenticates the handshake (`auth: {token}`: signature, expiry, revocation, active agent);
 * - joins `agent:<id>`, `everyone` and, for leads and admins, `role:lead`; replays what the
 *   client missed (`auth.lastSeq`) or tells it to resync; then sends `session:ready`;
 * - keeps presence (connect, heartbeat, disconnect, `presence:set`) and collision detection
 *   (`ticket:view` / `ticket:leave` / `ticket:typing` → `ticket:viewers`);
 * - drops the connection when the access token expires unless `auth:refresh` brings a fresh one,
 *   and at the next heartbeat after the session is revoked.
 */
export class RealtimeGateway {
  private io?: RealtimeIo;
  private delivery?: LocalDelivery;
  private readonly states = new Map<string, ConnectionState>();
  private readonly pending = new Set<Promise<unknown>>();
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;
  private readonly connections: Gauge;

  constructor(private readonly deps: GatewayDeps) {
    this.connections = new Gauge({
      name: 'realtime_connections',
      help: 'Sockets connected to this instance',
      registers: [deps.registry],
    });
  }

  bind(io: RealtimeIo, delivery: LocalDelivery): void {
    this.io = io;
    this.delivery = delivery;
    io.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (err: unknown) => next(toRefusal(err)),
      );
    });
    io.on('connection', (socket) => this.onConnection(socket));
    this.sweeper = setInterval(() => this.track(this.sweep()), this.deps.presence.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Stops the sweeps; connections are closed by the server. */
  unbind(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Resolves when every started cleanup (disconnects, sweeps) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Runs one presence and viewer sweep now (tests and the interval use it). */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.deps.presence.sweep();
      for (const update of await this.deps.collision.sweep()) this.broadcastViewers(update);
    } catch (err) {
      this.deps.logger.warn({ err }, 'realtime sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  // ---- handshake ---------------------------------------------------------------------------

  private async authenticate(socket: RealtimeSocket): Promise<void> {
    const parsed = handshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) throw new ConnectRefusal('Authentication required', { code: 'missing_token' });
    const verified = await this.deps.auth.verifyAccessToken(parsed.data.token);
    const agent = await this.deps.agents.get(verified.id).catch(() => null);
    if (!agent?.active) throw new ConnectRefusal('Session has ended', { code: 'session_revoked' });
    socket.data = {
      agentId: agent.id,
      role: verified.role,
      name: agent.name,
      sessionId: verified.sessionId,
      expiresAt: verified.expiresAt,
    };
  }

  // ---- connection lifecycle ----------------------------------------------------------------

  private onConnection(socket: RealtimeSocket): void {
    const auth = handshakeAuthSchema.parse(socket.handshake.auth);
    const state: ConnectionState = {
      token: auth.token,
      ready: Promise.resolve(),
      viewing: new Set(),
      typing: new Map(),
      present: false,
      lastBeatAt: Date.now(),
    };
    this.states.set(socket.id, state);
    this.connections.inc();

    // Handlers first, so nothing the client sends right after connecting is lost.
    socket.on('ticket:view', (input, ack) =>
      this.respond(ack, () => this.view(socket, state, input), 'ticket:view'),
    );
    socket.on('ticket:leave', (input, ack) =>
      this.respond(ack, () => this.leave(socket, state, input), 'ticket:leave'),
    );
    socket.on('ticket:typing', (input, ack) =>
      this.respond(ack, () => this.typing(socket, state, input), 'ticket:typing'),
    );
    socket.on('presence:set', (input, ack) =>
      this.respond(
        ack,
        async () => {
          const { status } = presenceSetSchema.parse(input);
          return { status: await this.deps.presence.set(actorOf(socket), status) };
        },
        'presence:set',
      ),
    );
    socket.on('auth:refresh', (input, ack) =>
      this.respond(ack, () => this.refreshToken(socket, state, input), 'auth:refresh'),
    );
    socket.conn.on('heartbeat', () => this.onHeartbeat(socket, state));
    socket.on('disconnect', () => {
      this.connections.dec();
      this.track(this.onDisconnect(socket, state));
    });

    this.scheduleExpiry(socket, state);
    state.ready = this.setup(socket, state, auth.lastSeq).catch((err: unknown) => {
      this.deps.logger.warn({ err, agentId: socket.data.agentId }, 'socket setup failed');
      socket.disconnect(true);
    });
    this.track(state.ready);
  }

  /** Joins the connection rooms, replays what was missed, records presence, says ready. */
  private async setup(
    socket: RealtimeSocket,
    state: ConnectionState,
    lastSeq: RoomSeqs | undefined,
  ): Promise<void> {
    const { agentId, role } = socket.data;
    const rooms = connectionRooms(agentId, role);
    await this.gated(socket, async () => {
      if (!socket.connected) return;
      await socket.join(rooms);
      const { seq, replayed } = await this.replayRooms(socket, rooms, lastSeq ?? {});
      await this.deps.presence.connected(agentId, socket.id);
      state.present = true;
      if (!socket.connected) return;
      socket.emit('session:ready', {
        agentId,
        role,
        expiresAt: new Date(socket.data.expiresAt).toISOString(),
        seq,
        replayed,
      });
    });
  }

  private async onDisconnect(socket: RealtimeSocket, state: ConnectionState): Promise<void> {
    await state.ready;
    this.clearTimers(state);
    this.states.delete(socket.id);
    for (const ticketId of state.viewing) {
      this.broadcastViewers(await this.deps.collision.leave(ticketId, socket.id));
    }
    state.viewing.clear();
    if (state.present) await this.deps.presence.disconnected(socket.data.agentId, socket.id);
  }

  private onHeartbeat(socket: RealtimeSocket, state: ConnectionState): void {
    const now = Date.now();
    // socket.io pings every pingInterval; renewing at most twice per interval is plenty.
    if (now - state.lastBeatAt < this.deps.config.pingIntervalMs / 2) return;
    state.lastBeatAt = now;
    this.track(
      (async () => {
        try {
          await this.deps.auth.verifyAccessToken(state.token);
        } catch (err) {
          // Only a verdict on the token ends the connection, not an unreachable Redis.
          if (!(err instanceof AppError && err.status === 401)) throw err;
          socket.emit('auth:expired', {
            reason: err.code === 'token_expired' ? 'token_expired' : 'session_revoked',
          });
          socket.disconnect(true);
          return;
        }
        if (!state.present) return;
        await this.deps.presence.heartbeat(socket.data.agentId, socket.id);
        await this.deps.collision.renew(socket.id, [...state.viewing]);
      })().catch((err: unknown) => this.deps.logger.warn({ err }, 'heartbeat renewal failed')),
    );
  }

  // ---- replay ------------------------------------------------------------------------------

  /**
   * For each room the client gave a last sequence for: the events after it (sent, oldest
   * first), or `resync_required` when they are no longer kept. Other rooms get their current
   * sequence as the client's baseline. Returns the sequence per room after the replay.
   */
  private async replayRooms(
    socket: RealtimeSocket,
    rooms: string[],
    lastSeq: RoomSeqs,
  ): Promise<{ seq: RoomSeqs; replayed: number }> {
    const seq: RoomSeqs = {};
    const entries: Array<LogEnvelope<EventBody>> = [];
    for (const room of rooms) {
      const after = lastSeq[room];
      if (after === undefined) continue;
      const result = await this.deps.log.replay<EventBody>(room, after);
      seq[room] = result.current;
      if (result.kind === 'resync') {
        socket.emit('resync_required', { room, seq: result.current, reason: result.reason });
      } else entries.push(...result.entries);
    }
    Object.assign(seq, await this.deps.log.current(rooms.filter((r) => !(r in seq))));
    entries.sort((a, b) => a.id - b.id);
    let replayed = 0;
    for (const env of entries) if (this.requireDelivery().deliver(socket, env, true)) replayed += 1;
    return { seq, replayed };
  }

  // ---- collision detection -----------------------------------------------------------------

  private async view(socket: RealtimeSocket, state: ConnectionState, input: unknown) {
    const { ticketId, lastSeq } = ticketViewSchema.parse(input);
    await this.deps.tickets.get(ticketId);
    await state.ready;
    const room = Rooms.ticket(ticketId);
    if (!state.viewing.has(ticketId) && state.viewing.size >= MAX_VIEWS_PER_CONNECTION) {
      throw new ConflictError(
        `A connection may view at most ${MAX_VIEWS_PER_CONNECTION} tickets at once; leave one first`,
        'too_many_views',
      );
    }
    return this.gated(socket, async () => {
      if (!socket.connected) throw new ConflictError('The connection closed', 'disconnected');
      await socket.join(room);
      state.viewing.add(ticketId);
      const update = await this.deps.collision.view(ticketId, socket.id, {
        agentId: socket.data.agentId,
        name: socket.data.name,
      });
      if (!socket.connected) {
        // Disconnected meanwhile: its cleanup may already have run, so undo the entry here.
        state.viewing.delete(ticketId);
        this.broadcastViewers(await this.deps.collision.leave(ticketId, socket.id));
        return { seq: 0, viewers: [], version: update.version };
      }
      this.broadcastViewers(update);
      const { seq } = await this.replayRooms(
        socket,
        [room],
        lastSeq === undefined ? {} : { [room]: lastSeq },
      );
      return { seq: seq[room] ?? 0, viewers: update.viewers, version: update.version };
    });
  }

  private async leave(socket: RealtimeSocket, state: ConnectionState, input: unknown) {
    const { ticketId } = ticketRefSchema.parse(input);
    await socket.leave(Rooms.ticket(ticketId));
    this.stopTyping(state, ticketId);
    if (state.viewing.delete(ticketId)) {
      this.broadcastViewers(await this.deps.collision.leave(ticketId, socket.id));
    }
    return {};
  }

  private async typing(socket: RealtimeSocket, state: ConnectionState, input: unknown) {
    const { ticketId, typing = true } = ticketTypingSchema.parse(input);
    if (!state.viewing.has(ticketId)) {
      throw new ConflictError('Send ticket:view for this ticket first', 'not_viewing');
    }
    const agent = { agentId: socket.data.agentId, name: socket.data.name };
    const wasTyping = this.stopTyping(state, ticketId);
    if (typing) {
      // The indicator lapses unless the client keeps sending ticket:typing.
      const timer = setTimeout(() => {
        state.typing.delete(ticketId);
        if (!state.viewing.has(ticketId)) return;
        this.track(
          this.deps.collision
            .typing(ticketId, socket.id, agent, false)
            .then((u) => this.broadcastViewers(u))
            .catch((err: unknown) => this.deps.logger.warn({ err }, 'typing reset failed')),
        );
      }, this.deps.config.typingSeconds * 1000);
      timer.unref();
      state.typing.set(ticketId, timer);
      if (wasTyping) return {};
    }
    if (!typing && !wasTyping) return {};
    this.broadcastViewers(await this.deps.collision.typing(ticketId, socket.id, agent, typing));
    return {};
  }

  private stopTyping(state: ConnectionState, ticketId: string): boolean {
    const timer = state.typing.get(ticketId);
    if (!timer) return false;
    clearTimeout(timer);
    state.typing.delete(ticketId);
    return true;
  }

  /** Sent through the Redis adapter, so viewers connected to other instances receive it too. */
  private broadcastViewers(update: ViewersUpdate): void {
    if (!update.changed || !this.io) return;
    this.io.to(Rooms.ticket(update.ticketId)).emit('ticket:viewers', {
      ticketId: update.ticketId,
      viewers: update.viewers,
      version: update.version,
    });
  }

  // ---- token lifetime ----------------------------------------------------------------------

  private async refreshToken(socket: RealtimeSocket, state: ConnectionState, input: unknown) {
    const { token } = authRefreshSchema.parse(input);
    const verified = await this.deps.auth.verifyAccessToken(token);
    if (verified.id !== socket.data.agentId) {
      throw new ForbiddenError('The token belongs to another agent', 'agent_mismatch');
    }
    if (verified.role !== socket.data.role) {
      // Rooms depend on the role: reconnect to get the right ones.
      setImmediate(() => socket.disconnect(true));
      throw new ConflictError('The role changed; reconnect', 'role_changed');
    }
    state.token = token;
    socket.data.sessionId = verified.sessionId;
    socket.data.expiresAt = verified.expiresAt;
    this.scheduleExpiry(socket, state);
    return { expiresAt: new Date(verified.expiresAt).toISOString() };
  }

  private scheduleExpiry(socket: RealtimeSocket, state: ConnectionState): void {
    clearTimeout(state.warnTimer);
    clearTimeout(state.expiryTimer);
    const expiresAt = socket.data.expiresAt;
    const warnAt = expiresAt - this.deps.config.authWarnSeconds * 1000;
    const now = Date.now();
    // A token already inside the warning window (a slow connect, a refresh with a nearly spent
    // token) is warned about at once: otherwise the client would learn only at the cut-off.
    if (expiresAt > now && state.warnedFor !== expiresAt && warnAt - now <= MAX_TIMER_MS) {
      state.warnTimer = setTimeout(
        () => {
          state.warnedFor = expiresAt;
          socket.emit('auth:expiring', { expiresAt: new Date(expiresAt).toISOString() });
        },
        Math.max(0, warnAt - now),
      );
      state.warnTimer.unref();
    }
    state.expiryTimer = setTimeout(
      () => {
        if (Date.now() < socket.data.expiresAt) return this.scheduleExpiry(socket, state);
        socket.emit('auth:expired', { reason: 'token_expired' });
        socket.disconnect(true);
      },
      Math.min(Math.max(0, expiresAt - now), MAX_TIMER_MS),
    );
    state.expiryTimer.unref();
  }

  private clearTimers(state: ConnectionState): void {
    clearTimeout(state.warnTimer);
    clearTimeout(state.expiryTimer);
    for (const timer of state.typing.values()) clearTimeout(timer);
    state.typing.clear();
  }

  // ---- helpers -----------------------------------------------------------------------------

  private gated<T>(socket: RealtimeSocket, fn: () => Promise<T>): Promise<T> {
    return this.requireDelivery().gated(socket, fn);
  }

  private requireDelivery(): LocalDelivery {
    if (!this.delivery) throw new Error('realtime gateway is not bound to a server');
    return this.delivery;
  }

  /** Runs a client request and answers its ack with `{ok: true, …}` or `{ok: false, error}`. */
  private respond<T extends object>(ack: unknown, fn: () => Promise<T>, event: string): void {
    const reply = typeof ack === 'function' ? (ack as (res: unknown) => void) : undefined;
    this.track(
      fn().then(
        (result) => reply?.({ ok: true, ...result }),
        (err: unknown) => {
          const answer = toAckError(err);
          if (answer.error.code === 'internal_error')
            this.deps.logger.error({ err, event }, 'socket handler failed');
          reply?.(answer);
        },
      ),
    );
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}

function actorOf(socket: RealtimeSocket): Actor {
  return { id: socket.data.agentId, role: socket.data.role, sessionId: socket.data.sessionId };
}

function toRefusal(err: unknown): ConnectRefusal {
  if (err instanceof ConnectRefusal) return err;
  if (err instanceof AppError && err.status === 401)
    return new ConnectRefusal(err.message, { code: err.code });
  return new ConnectRefusal('Realtime is unavailable', { code: 'unavailable' });
}

function toAckError(err: unknown): AckError {
  if (err instanceof z.ZodError) {
    return {
      ok: false,
      error: {
        code: 'validation_failed',
        message: 'Invalid payload',
        details: err.issues.map((i) => ({ field: i.path.join('.') || '(payload)', message: i.message })),
      },
    };
  }
  if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message } };
  return { ok: false, error: { code: 'internal_error', message: 'Something went wrong' } };
}
