import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { Container } from '../../src/container';
import type {
  ClientToServerEvents,
  HandshakeAuth,
  RoomSeqs,
  ServerToClientEvents,
  SessionReadyPayload,
} from '../../src/modules/realtime/realtime.events';
import { Rooms } from '../../src/modules/realtime/rooms';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type EventName = keyof ServerToClientEvents;
type Request = keyof ClientToServerEvents;
type InputOf<R extends Request> = Parameters<ClientToServerEvents[R]>[0];
type AnswerOf<R extends Request> = Parameters<Parameters<ClientToServerEvents[R]>[1]>[0];
type PayloadOf<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

interface Waiter {
  event: string;
  pred: (p: unknown) => boolean;
  resolve: (p: unknown) => void;
}

function open(url: string, auth: Partial<HandshakeAuth> | undefined): ClientSocket {
  return io(url, {
    auth: auth ?? {},
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
}

/**
 * A real socket.io client that records every event, tracks the last sequence per room (as a
 * browser client would) and lets tests wait for events.
 */
export class TestClient {
  readonly log: Array<{ event: string; payload: unknown }> = [];
  lastSeq: RoomSeqs = {};
  ready?: SessionReadyPayload;
  disconnectReason?: string;
  private waiters: Waiter[] = [];

  private constructor(readonly socket: ClientSocket) {
    socket.onAny((event: string, payload: unknown) => this.record(event, payload));
    socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
    });
  }

  /** Connects and waits until the server says the session is ready (rooms joined, replay done). */
  static async connect(url: string, auth: HandshakeAuth): Promise<TestClient> {
    const client = new TestClient(open(url, auth));
    const failed = new Promise<never>((_, reject) =>
      client.socket.once('connect_error', (err) => reject(err)),
    );
    client.ready = await Promise.race([client.waitFor('session:ready'), failed]);
    return client;
  }

  get agentId(): string {
    if (!this.ready) throw new Error('not connected');
    return this.ready.agentId;
  }

  received<E extends EventName>(event: E): Array<PayloadOf<E>> {
    return this.log.filter((e) => e.event === event).map((e) => e.payload as PayloadOf<E>);
  }

  /** The first event (already received or coming) that matches. */
  waitFor<E extends EventName>(
    event: E,
    pred: (p: PayloadOf<E>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<PayloadOf<E>> {
    const seen = this.received(event).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        event,
        pred: pred as (p: unknown) => boolean,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p as PayloadOf<E>);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${event}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Emits a request and resolves with the server's acknowledgement. */
  ask<R extends Request>(event: R, input: InputOf<R>): Promise<AnswerOf<R>> {
    const untyped = this.socket.timeout(5000) as unknown as {
      emitWithAck(event: string, input: unknown): Promise<unknown>;
    };
    return untyped.emitWithAck(event, input) as Promise<AnswerOf<R>>;
  }

  waitForDisconnect(timeoutMs = 5000): Promise<string> {
    if (this.disconnectReason !== undefined) return Promise.resolve(this.disconnectReason);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for disconnect')), timeoutMs);
      this.socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }

  close(): void {
    this.socket.disconnect();
  }

  private record(event: string, payload: unknown): void {
    this.log.push({ event, payload });
    const seq = (payload as { seq?: unknown } | undefined)?.seq;
    if (seq && typeof seq === 'object') {
      for (const [room, n] of Object.entries(seq as RoomSeqs)) {
        this.lastSeq[room] = Math.max(this.lastSeq[room] ?? 0, n);
      }
    }
    if (event === 'resync_required') {
      const { room, seq: current } = payload as { room: string; seq: number };
      this.lastSeq[room] = current;
    }
    for (const w of [...this.waiters]) {
      if (w.event === event && w.pred(payload)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(payload);
      }
    }
  }
}

/** Connects with the given handshake and returns what the refusal said. */
export function refusal(
  url: string,
  auth: Partial<HandshakeAuth> | undefined,
): Promise<{ message: string; code: string | undefined }> {
  const socket = open(url, auth);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.disconnect();
      reject(new Error('connection was accepted'));
    });
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      socket.disconnect();
      resolve({ message: err.message, code: err.data?.code });
    });
  });
}

/**
 * Publishes a marker to each client's personal room and waits until each has it. Events reach a
 * socket in the order they were recorded, so anything published before the barrier that a client
 * was going to receive has arrived by then: what is missing was never sent to it.
 */
export async function barrier(c: Container, clients: TestClient[]): Promise<void> {
  const jobId = `barrier-${randomUUID()}`;
  await c.events.drain();
  await Promise.all(
    clients.map(async (client) => {
      await c.realtime.publisher.publish('job_progress', [Rooms.agent(client.agentId)], {
        jobId,
        state: 'active',
        done: 0,
      });
      await client.waitFor('job_progress', (e) => e.data.jobId === jobId);
    }),
  );
}
