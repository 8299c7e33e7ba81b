import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Slack Web API speaking the real wire protocol, for the real @slack/web-api client:
 * POST /api/<method> with a form-encoded (or JSON) body and `Authorization: Bearer <token>`;
 * answers HTTP 200 `{ok: true, …}` or `{ok: false, error}` (platform errors), and HTTP 429 with
 * `Retry-After` (seconds) when a channel gets more than one message per interval.
 * Every request is recorded (method, channel, time, outcome) so tests can check pacing.
 */

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** The bot is in the channel; posting to a channel it is not in answers not_in_channel. */
  isMember?: boolean;
  isArchived?: boolean;
}

export interface FakeUser {
  id: string;
  email: string;
  name: string;
}

export interface RecordedRequest {
  method: string;
  /** The resolved channel id (or the raw value when unknown). */
  channel?: string;
  at: number;
  status: number;
  error?: string;
  retryAfter?: number;
}

export interface PostedMessage {
  channel: string;
  text: string;
  blocks?: unknown;
  threadTs?: string;
  ts: string;
  at: number;
}

export type InjectedFailure =
  { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { error: string };

export interface FakeSlackOptions {
  token?: string;
  channels?: FakeChannel[];
  users?: FakeUser[];
  /** Minimum time between two accepted posts to one channel (Slack: about a second). */
  perChannelIntervalMs?: number;
}

export class FakeSlack {
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  readonly messages: PostedMessage[] = [];
  private readonly channels: FakeChannel[];
  private readonly users: FakeUser[];
  private readonly intervalMs: number;
  private readonly lastPost = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly failures: Array<{ method: string; failure: InjectedFailure }> = [];
  private server?: Server;
  private seq = 0;
  url = '';

  constructor(opts: FakeSlackOptions = {}) {
    this.token = opts.token ?? 'xoxb-fake-token';
    this.channels = opts.channels ?? [];
    this.users = opts.users ?? [];
    this.intervalMs = opts.perChannelIntervalMs ?? 1000;
  }

  /** The base to pass as SLACK_API_URL / slackApiUrl. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next call(s) of `method` fail this way (before any other check but the token). */
  failNext(method: string, failure: InjectedFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ method, failure });
  }

  reset(): void {
    this.requests.length = 0;
    this.messages.length = 0;
    this.failures.length = 0;
    this.lastPost.clear();
    this.pausedUntil.clear();
  }

  /** Messages posted to a channel, by id or name (with or without '#'). */
  messagesIn(channel: string): PostedMessage[] {
    const id = this.resolveChannel(channel)?.id ?? channel;
    return this.messages.filter((m) => m.channel === id);
  }

  requestsFor(method: string, channel?: string): RecordedRequest[] {
    const id = channel ? (this.resolveChannel(channel)?.id ?? channel) : undefined;
    return this.requests.filter((r) => r.method === method && (id === undefined || r.channel === id));
  }

  private resolveChannel(ref: string): FakeChannel | undefined {
    const name = ref.replace(/^#/, '');
    return this.channels.find((c) => c.id === ref || c.name === name);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const match = /^\/api\/([a-zA-Z.]+)$/.exec(req.url?.split('?')[0] ?? '');
    if (req.method !== 'POST' || !match?.[1]) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const method = match[1];
    const args = parseBody(req.headers['content-type'] ?? '', await readBody(req));
    const reply = (status: number, body: Record<string, unknown>, rec: Partial<RecordedRequest> = {}) => {
      this.requests.push({
        method,
        at,
        status,
        ...(typeof body.error === 'string' ? { error: body.error } : {}),
        ...rec,
      });
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (rec.retryAfter !== undefined) headers['retry-after'] = String(rec.retryAfter);
      res.writeHead(status, headers);
      res.end(JSON.stringify(body));
    };

    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof args.token === 'string'
        ? args.token
        : '';
    if (!token) return reply(200, { ok: false, error: 'not_authed' });
    if (token !== this.token) return reply(200, { ok: false, error: 'invalid_auth' });

    const channelRef = typeof args.channel === 'string' ? args.channel : undefined;
    const channelId = channelRef
      ? (this.resolveChannel(channelRef)?.id ?? this.userDm(channelRef) ?? channelRef)
      : undefined;
    const rec = channelId ? { channel: channelId } : {};

    const injected = this.failures.findIndex((f) => f.method === method);
    if (injected !== -1) {
      const failure = this.failures.splice(injected, 1)[0]?.failure as InjectedFailure;
      if ('error' in failure) return reply(200, { ok: false, error: failure.error }, rec);
      if (failure.status === 429) {
        if (channelId) this.pausedUntil.set(channelId, at + failure.retryAfter * 1000);
        return reply(429, { ok: false, error: 'ratelimited' }, { ...rec, retryAfter: failure.retryAfter });
      }
      return reply(failure.status, { ok: false, error: 'fatal_error' }, rec);
    }

    switch (method) {
      case 'auth.test':
        return reply(200, {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake Team',
          user: 'crm-bot',
          team_id: 'T0FAKE',
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        });
      case 'chat.postMessage':
        return this.postMessage(args, channelRef, channelId, at, reply);
      case 'conversations.list': {
        const limit = Math.min(1000, Number(args.limit ?? 100) || 100);
        const start = Number(args.cursor ? Buffer.from(String(args.cursor), 'base64').toString() : 0) || 0;
        const excludeArchived = args.exclude_archived === 'true' || args.exclude_archived === true;
        const all = this.channels.filter((c) => !(excludeArchived && c.isArchived));
        const page = all.slice(start, start + limit);
        const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64') : '';
        return reply(200, {
          ok: true,
          channels: page.map((c) => ({
            id: c.id,
            name: c.name,
            is_channel: !c.isPrivate,
            is_private: c.isPrivate ?? false,
            is_member: c.isMember ?? true,
            is_archived: c.isArchived ?? false,
          })),
          response_metadata: { next_cursor: next },
        });
      }
      case 'users.lookupByEmail': {
        const email = String(args.email ?? '').toLowerCase();
        const user = this.users.find((u) => u.email.toLowerCase() === email);
        if (!user) return reply(200, { ok: false, error: 'users_not_found' });
        return reply(200, {
          ok: true,
          user: { id: user.id, name: user.name, real_name: user.name, profile: { email: user.email } },
        });
      }
      default:
        return reply(200, { ok: false, error: 'unknown_method' });
    }
  }

  private postMessage(
    args: Record<string, unknown>,
    channelRef: string | undefined,
    channelId: string | undefined,
    at: number,
    reply: (status: number, body: Record<string, unknown>, rec?: Partial<RecordedRequest>) => void,
  ): void {
    if (!channelRef || !channelId) return reply(200, { ok: false, error: 'channel_not_found' });
    const channel = this.resolveChannel(channelRef);
    const isDm = !channel && this.userDm(channelRef) !== undefined;
    const rec = { channel: channelId };
    if (!channel && !isDm) return reply(200, { ok: false, error: 'channel_not_found' }, rec);
    if (channel?.isArchived) return reply(200, { ok: false, error: 'is_archived' }, rec);
    if (channel && channel.isMember === false) return reply(200, { ok: false, error: 'not_in_channel' }, rec);
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = typeof args.blocks === 'string' ? (JSON.parse(args.blocks) as unknown) : args.blocks;
    if (!text && !blocks) return reply(200, { ok: false, error: 'no_text' }, rec);
    if (text.length > 40_000) return reply(200, { ok: false, error: 'msg_too_long' }, rec);

    const paused = this.pausedUntil.get(channelId) ?? 0;
    const last = this.lastPost.get(channelId);
    const waitMs = Math.max(paused - at, last === undefined ? 0 : last + this.intervalMs - at);
    if (waitMs > 0) {
      return reply(
        429,
        { ok: false, error: 'ratelimited' },
        { ...rec, retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) },
      );
    }
    this.lastPost.set(channelId, at);
    this.seq += 1;
    const ts = `${Math.floor(at / 1000)}.${String(this.seq).padStart(6, '0')}`;
    const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
    this.messages.push({ channel: channelId, text, blocks, ts, at, ...(threadTs ? { threadTs } : {}) });
    reply(200, { ok: true, channel: channelId, ts, message: { type: 'message', text, ts } }, rec);
  }

  /** A user id used as a channel opens the DM with the bot. */
  private userDm(ref: string): string | undefined {
    return this.users.find((u) => u.id === ref)?.id;
  }
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  return new FakeSlack(opts).start();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(contentType: string, raw: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}
