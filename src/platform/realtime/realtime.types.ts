import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../modules/realtime/realtime.events';
import type { Role } from '../security/actor';

/** What the handshake established about a socket (kept small and serialisable). */
export interface SocketData {
  agentId: string;
  role: Role;
  name: string;
  sessionId: string;
  /** Access-token expiry, epoch milliseconds. */
  expiresAt: number;
}

export type RealtimeIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** The body of a logged event: the socket event to emit, its payload, and who must not get it. */
export interface EventBody {
  event: string;
  data: unknown;
  /** Sockets of these roles never receive the event (e.g. viewers and internal notes). */
  exceptRoles?: Role[];
  /** Only agents accepting new work receive it (leads and admins always do). */
  audience?: 'accepting-new-work';
}
