import {
  LogLevel,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
  type KnownBlock,
  type Logger as SlackLogger,
} from '@slack/web-api';
import type { Logger } from '../../../platform/logging/logger';

export interface SlackPost {
  channel: string;
  text: string;
  blocks?: KnownBlock[];
  threadTs?: string;
}

export interface SlackChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isMember: boolean;
}

/** The few Web API calls the CRM makes. Errors are thrown as `SlackCallError`. */
export interface SlackApi {
  postMessage(post: SlackPost): Promise<{ channel: string; ts: string }>;
  listChannels(limit: number): Promise<SlackChannel[]>;
  /** The Slack user id of a workspace member, or null when nobody has this email. */
  lookupUserByEmail(email: string): Promise<string | null>;
}

/**
 * How a failed call should be handled:
 * - `platform`: Slack answered `{ok: false, error}` (channel_not_found, invalid_auth, …); retrying
 *   the same call cannot help.
 * - `rate_limited`: HTTP 429; nothing may be sent to that method/channel before `retryAfterMs`.
 * - `transient`: network failure, timeout or an HTTP 5xx; worth retrying with backoff.
 */
export type SlackFailure =
  | { type: 'platform'; error: string }
  | { type: 'rate_limited'; retryAfterMs: number }
  | { type: 'transient'; message: string };

export class SlackCallError extends Error {
  constructor(
    readonly failure: SlackFailure,
    readonly method: string,
  ) {
    super(
      failure.type === 'platform'
        ? `Slack ${method} failed: ${failure.error}`
        : failure.type === 'rate_limited'
          ? `Slack ${method} rate limited for ${failure.retryAfterMs} ms`
          : `Slack ${method} failed: ${failure.message}`,
    );
    this.name = 'SlackCallError';
  }
}

export function classifySlackError(err: unknown): SlackFailure {
  if (err instanceof WebAPIPlatformError) return { type: 'platform', error: err.data.error };
  if (err instanceof WebAPIRateLimitedError)
    return { type: 'rate_limited', retryAfterMs: err.retryAfter * 1000 };
  return { type: 'transient', message: err instanceof Error ? err.message : String(err) };
}

/**
 * The real client (@slack/web-api) configured for durable, job-driven delivery: it never waits
 * out a 429 itself (`rejectRateLimitedCalls`) and never retries (`retries: 0`), because the flush
 * job owns retries, backoff and the per-channel pause, which survive a restart and are shared by
 * every process. Requests time out after `timeoutMs`.
 */
export class WebApiSlackClient implements SlackApi {
  private readonly client: WebClient;

  constructor(token: string, opts: { apiUrl?: string; timeoutMs: number; logger: Logger }) {
    this.client = new WebClient(token, {
      ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: opts.timeoutMs,
      logger: pinoAdapter(opts.logger),
    });
  }

  async postMessage(post: SlackPost): Promise<{ channel: string; ts: string }> {
    const res = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: post.channel,
        text: post.text,
        ...(post.blocks ? { blocks: post.blocks } : {}),
        ...(post.threadTs ? { thread_ts: post.threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return { channel: res.channel ?? post.channel, ts: res.ts ?? '' };
  }

  async listChannels(limit: number): Promise<SlackChannel[]> {
    const channels: SlackChannel[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.call('conversations.list', () =>
        this.client.conversations.list({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: Math.min(200, limit),
          ...(cursor ? { cursor } : {}),
        }),
      );
      for (const c of page.channels ?? []) {
        if (!c.id) continue;
        channels.push({
          id: c.id,
          name: c.name ?? c.id,
          isPrivate: c.is_private ?? false,
          isMember: c.is_member ?? false,
        });
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor && channels.length < limit);
    return channels.slice(0, limit);
  }

  async lookupUserByEmail(email: string): Promise<string | null> {
    try {
      const res = await this.call('users.lookupByEmail', () => this.client.users.lookupByEmail({ email }));
      return res.user?.id ?? null;
    } catch (err) {
      if (
        err instanceof SlackCallError &&
        err.failure.type === 'platform' &&
        err.failure.error === 'users_not_found'
      )
        return null;
      throw err;
    }
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new SlackCallError(classifySlackError(err), method);
    }
  }
}

/** Routes the client's own log lines to our pino logger (quietly: our code logs the outcomes). */
function pinoAdapter(logger: Logger): SlackLogger {
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => logger.trace(text(msg)),
    info: (...msg: unknown[]) => logger.debug(text(msg)),
    warn: (...msg: unknown[]) => logger.debug(text(msg)),
    error: (...msg: unknown[]) => logger.warn(text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
