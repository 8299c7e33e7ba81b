import type { Delivery, RoomSeqs, SequencedEventName } from '../../modules/realtime/realtime.events';
import type { LogEnvelope } from './room-event-log';
import type { EventBody, RealtimeIo, RealtimeSocket } from './realtime.types';

const REMEMBERED_IDS = 2000;

interface SocketStream {
  /** Ids already sent to this socket (recent ones), so an event in two of its rooms arrives once. */
  delivered: Set<number>;
  /** While > 0 a replay is running: live events wait in `queue` so order holds. */
  gate: number;
  queue: Array<LogEnvelope<EventBody>>;
}

/**
 * Delivers logged events to the sockets connected to THIS instance. Every API instance receives
 * each event once from the Redis channel and hands it to its own sockets only, so a socket gets
 * it exactly once wherever the event was published. A socket receives an event when it is in
 * one of the event's rooms and its role is not excluded; `seq` is narrowed to its own rooms.
 */
export class LocalDelivery {
  private readonly streams = new WeakMap<RealtimeSocket, SocketStream>();

  constructor(
    private readonly io: RealtimeIo,
    /** Whether an agent currently accepts new work (for `audience: 'accepting-new-work'`). */
    private readonly acceptsNewWork: (agentId: string) => boolean = () => true,
  ) {}

  /** A live event from the channel. */
  onEnvelope(env: LogEnvelope<EventBody>): void {
    const nsp = this.io.of('/');
    const targets = new Set<string>();
    for (const room of Object.keys(env.seq)) {
      for (const id of nsp.adapter.rooms.get(room) ?? []) targets.add(id);
    }
    for (const id of targets) {
      const socket = nsp.sockets.get(id);
      if (!socket) continue;
      const stream = this.stream(socket);
      if (stream.gate > 0) stream.queue.push(env);
      else this.deliver(socket, env, false);
    }
  }

  /** Sends one event to one socket unless it already has it, may not see it, or left its rooms. */
  deliver(socket: RealtimeSocket, env: LogEnvelope<EventBody>, replayed: boolean): boolean {
    if (env.body.exceptRoles?.includes(socket.data.role)) return false;
    if (
      env.body.audience === 'accepting-new-work' &&
      socket.data.role === 'agent' &&
      !this.acceptsNewWork(socket.data.agentId)
    ) {
      return false;
    }
    const stream = this.stream(socket);
    if (stream.delivered.has(env.id)) return false;
    const seq: RoomSeqs = {};
    let any = false;
    for (const [room, n] of Object.entries(env.seq)) {
      if (socket.rooms.has(room)) {
        seq[room] = n;
        any = true;
      }
    }
    if (!any) return false;
    stream.delivered.add(env.id);
    if (stream.delivered.size > REMEMBERED_IDS) {
      const oldest = stream.delivered.values().next().value;
      if (oldest !== undefined) stream.delivered.delete(oldest);
    }
    const payload: Delivery<unknown> = {
      id: env.id,
      at: new Date(env.at).toISOString(),
      seq,
      data: env.body.data,
      ...(replayed ? { replayed: true as const } : {}),
    };
    socket.emit(env.body.event as SequencedEventName, payload as never);
    return true;
  }

  /**
   * Runs `fn` (which joins rooms and replays missed events) while live events for the socket
   * are held back, then releases them: replayed events come first, duplicates are dropped.
   */
  async gated<T>(socket: RealtimeSocket, fn: () => Promise<T>): Promise<T> {
    const stream = this.stream(socket);
    stream.gate += 1;
    try {
      return await fn();
    } finally {
      stream.gate -= 1;
      if (stream.gate === 0) {
        const held = stream.queue;
        stream.queue = [];
        if (socket.connected) for (const env of held) this.deliver(socket, env, false);
      }
    }
  }

  private stream(socket: RealtimeSocket): SocketStream {
    let stream = this.streams.get(socket);
    if (!stream) {
      stream = { delivered: new Set(), gate: 0, queue: [] };
      this.streams.set(socket, stream);
    }
    return stream;
  }
}
