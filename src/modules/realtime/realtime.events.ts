/**
 * The socket.io contract, typed for both sides. A client imports these types:
 *
 *   import { io, type Socket } from 'socket.io-client';
 *   import type { ClientToServerEvents, ServerToClientEvents } from '<crm>/src/modules/realtime/realtime.events';
 *   const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token } });
 *
 * This file holds types only (no runtime imports), so it is safe to import from a browser build.
 */
import type { AgentStatus } from '../agents/agent.types';
import type { JobState, SlaTarget } from '../../platform/events/domain-events';
import type { Role } from '../../platform/security/actor';
import type { TicketChanges } from '../tickets/ticket.types';

/** Room names: `agent:<id>` (personal), `role:lead` (leads and admins), `ticket:<id>` (its viewers), `everyone`. */
export type RoomName = string;

/** Last sequence number seen per room, as a client sends it back on reconnect. */
export type RoomSeqs = Record<RoomName, number>;

// ---- Payloads of the sequenced (replayable) events: ids and changed fields only -------------

export interface NewTicketPayload {
  ticketId: string;
  number: number;
  customerId: string;
  priority: string;
  channel: string;
}

export interface TicketUpdatePayload {
  ticketId: string;
  /** field → [before, after]; empty when the event says something else (deleted, accepted). */
  changes: TicketChanges;
  deleted?: true;
  /** The assignee accepted the ticket. */
  acceptedBy?: string;
}

export interface TicketAssignedPayload {
  ticketId: string;
  agentId: string;
  previousAgentId: string | null;
  reason: string;
}

export interface MessageReceivedPayload {
  ticketId: string;
  messageId: string;
  authorType: 'agent' | 'customer';
  agentId: string | null;
  internal: boolean;
}

export interface SlaWarningPayload {
  ticketId: string;
  target: SlaTarget;
  dueAt: string;
}

export interface SlaBreachPayload extends SlaWarningPayload {
  breachedAt: string;
}

export interface AgentStatusPayload {
  agentId: string;
  status: AgentStatus;
  previous: AgentStatus;
}

export interface JobProgressPayload {
  jobId: string;
  state: JobState;
  done: number;
  total?: number;
}

/** Domain events pushed to sockets, by socket event name. */
export interface SequencedEventPayloads {
  new_ticket: NewTicketPayload;
  ticket_update: TicketUpdatePayload;
  ticket_assigned: TicketAssignedPayload;
  message_received: MessageReceivedPayload;
  sla_warning: SlaWarningPayload;
  sla_breach: SlaBreachPayload;
  agent_status: AgentStatusPayload;
  job_progress: JobProgressPayload;
}
export type SequencedEventName = keyof SequencedEventPayloads;

/**
 * How every sequenced event arrives. `id` is unique and increasing across all rooms (a socket
 * never receives the same id twice); `seq` gives, for each of the socket's rooms the event was
 * sent to, that room's sequence number: remember the highest per room and send it back on
 * reconnect (`auth.lastSeq`, or `lastSeq` in `ticket:view`) to receive what was missed.
 */
export interface Delivery<T> {
  id: number;
  /** When the event was recorded (ISO-8601). */
  at: string;
  seq: RoomSeqs;
  data: T;
  /** Present on events re-sent after a reconnect. */
  replayed?: true;
}

// ---- Other server → client events ------------------------------------------------------------

export interface SessionReadyPayload {
  agentId: string;
  role: Role;
  /** The access token's expiry (ISO-8601): refresh before it with `auth:refresh`. */
  expiresAt: string;
  /** Current sequence number of each room the socket joined: the client's baseline. */
  seq: RoomSeqs;
  /** How many missed events were re-sent (they arrive before this event). */
  replayed: number;
}

export interface ResyncRequiredPayload {
  room: RoomName;
  /** The room's current sequence: reload the state over HTTP and continue from here. */
  seq: number;
  reason: 'retention_exceeded' | 'unknown_sequence';
}

export interface TicketViewer {
  agentId: string;
  name: string;
  typing: boolean;
}

export interface TicketViewersPayload {
  ticketId: string;
  viewers: TicketViewer[];
  /** Increases with every change; ignore a payload older than the last one applied. */
  version: number;
}

export interface AuthExpiringPayload {
  expiresAt: string;
}

export interface AuthExpiredPayload {
  reason: 'token_expired' | 'session_revoked';
}

export interface ServerToClientEvents {
  new_ticket: (e: Delivery<NewTicketPayload>) => void;
  ticket_update: (e: Delivery<TicketUpdatePayload>) => void;
  ticket_assigned: (e: Delivery<TicketAssignedPayload>) => void;
  message_received: (e: Delivery<MessageReceivedPayload>) => void;
  sla_warning: (e: Delivery<SlaWarningPayload>) => void;
  sla_breach: (e: Delivery<SlaBreachPayload>) => void;
  agent_status: (e: Delivery<AgentStatusPayload>) => void;
  job_progress: (e: Delivery<JobProgressPayload>) => void;
  'session:ready': (e: SessionReadyPayload) => void;
  resync_required: (e: ResyncRequiredPayload) => void;
  'ticket:viewers': (e: TicketViewersPayload) => void;
  /** Sent before the access token expires: answer with `auth:refresh` or be disconnected. */
  'auth:expiring': (e: AuthExpiringPayload) => void;
  /** Sent just before the server drops the connection for an expired or revoked token. */
  'auth:expired': (e: AuthExpiredPayload) => void;
}

// ---- Client → server --------------------------------------------------------------------------

export interface AckError {
  ok: false;
  error: { code: string; message: string; details?: Array<{ field: string; message: string }> };
}
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

export interface TicketViewInput {
  ticketId: string;
  /** The last sequence seen in `ticket:<id>`, when re-viewing after a reconnect. */
  lastSeq?: number;
}
export interface TicketRefInput {
  ticketId: string;
}
export interface TicketTypingInput {
  ticketId: string;
  /** false stops the indicator at once; otherwise it lapses on its own after a few seconds. */
  typing?: boolean;
}

export interface ClientToServerEvents {
  'ticket:view': (
    input: TicketViewInput,
    ack: (res: Ack<{ seq: number; viewers: TicketViewer[]; version: number }>) => void,
  ) => void;
  'ticket:leave': (input: TicketRefInput, ack: (res: Ack) => void) => void;
  'ticket:typing': (input: TicketTypingInput, ack: (res: Ack) => void) => void;
  'presence:set': (input: { status: AgentStatus }, ack: (res: Ack<{ status: AgentStatus }>) => void) => void;
  /** A fresh access token for the same agent (after POST /api/auth/refresh) keeps the socket open. */
  'auth:refresh': (input: { token: string }, ack: (res: Ack<{ expiresAt: string }>) => void) => void;
}

/** What the client passes as `auth` in the handshake. */
export interface HandshakeAuth {
  token: string;
  lastSeq?: RoomSeqs;
}
