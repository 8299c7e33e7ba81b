import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import type { z } from 'zod';
import type { Logger } from '../../../platform/logging/logger';
import {
  GorgiasMessage,
  GorgiasTicket,
  gorgiasList,
  type GorgiasClient,
  type GorgiasMessageInput,
  type GorgiasPage,
  type GorgiasStatus,
  type GorgiasTicketInput,
} from './gorgias.client';
import type { GorgiasAccount } from './gorgias.config';
import { GorgiasApiError } from './gorgias.errors';
import { RateLimitWaitExceeded, type RedisSlidingWindowLimiter } from './gorgias-rate-limiter';

export interface HttpClientOptions {
  timeoutMs: number;
  /** When a 429 carries no Retry-After. */
  defaultRetryAfterMs: number;
  /** 429s in a row before giving up (the job retries later). */
  maxRateLimitRetries?: number;
  /** Retries of an idempotent request after a 5xx or a network error. */
  maxServerRetries?: number;
  serverRetryBaseMs?: number;
}

interface RequestSpec<S extends z.ZodType> {
  method: Method;
  path: string;
  schema: S;
  params?: Record<string, string | number | undefined>;
  data?: unknown;
}

const TicketList = gorgiasList(GorgiasTicket);
const MessageList = gorgiasList(GorgiasMessage);

/**
 * Gorgias over HTTP (axios, Basic auth). Every request first takes a slot from the shared Redis
 * limiter, so all processes together stay under the account's limit; a 429 is honoured by
 * blocking everyone for its Retry-After before trying again. GETs and PUTs (idempotent) are
 * retried after 5xx and network errors with backoff; a POST is retried only when it certainly
 * did not arrive (429, connection refused), so a reply is never sent twice by the client itself.
 */
export class HttpGorgiasClient implements GorgiasClient {
  private readonly http: AxiosInstance;
  private readonly maxRateLimitRetries: number;
  private readonly maxServerRetries: number;
  private readonly serverRetryBaseMs: number;

  constructor(
    account: GorgiasAccount,
    private readonly limiter: RedisSlidingWindowLimiter,
    private readonly logger: Logger,
    private readonly opts: HttpClientOptions,
  ) {
    this.http = axios.create({
      baseURL: account.apiBaseUrl,
      auth: { username: account.email, password: account.apiKey },
      timeout: opts.timeoutMs,
      headers: { Accept: 'application/json', 'User-Agent': 'support-crm-gorgias-sync/1' },
      validateStatus: () => true,
      maxRedirects: 0,
    });
    this.maxRateLimitRetries = opts.maxRateLimitRetries ?? 6;
    this.maxServerRetries = opts.maxServerRetries ?? 2;
    this.serverRetryBaseMs = opts.serverRetryBaseMs ?? 250;
  }

  async listTickets(q: { cursor?: string; limit: number }): Promise<GorgiasPage<GorgiasTicket>> {
    const page = await this.request({
      method: 'GET',
      path: 'tickets',
      schema: TicketList,
      params: { limit: q.limit, cursor: q.cursor, order_by: 'created_datetime:desc' },
    });
    return { data: page.data, nextCursor: page.meta?.next_cursor ?? null };
  }

  getTicket(id: number): Promise<GorgiasTicket> {
    return this.request({ method: 'GET', path: `tickets/${id}`, schema: GorgiasTicket });
  }

  async listMessages(
    ticketId: number,
    q: { cursor?: string; limit: number },
  ): Promise<GorgiasPage<GorgiasMessage>> {
    const page = await this.request({
      method: 'GET',
      path: `tickets/${ticketId}/messages`,
      schema: MessageList,
      params: { limit: q.limit, cursor: q.cursor },
    });
    return { data: page.data, nextCursor: page.meta?.next_cursor ?? null };
  }

  getMessage(ticketId: number, messageId: number): Promise<GorgiasMessage> {
    return this.request({
      method: 'GET',
      path: `tickets/${ticketId}/messages/${messageId}`,
      schema: GorgiasMessage,
    });
  }

  createTicket(input: GorgiasTicketInput): Promise<GorgiasTicket> {
    return this.request({ method: 'POST', path: 'tickets', schema: GorgiasTicket, data: input });
  }

  updateTicket(id: number, input: { status: GorgiasStatus }): Promise<GorgiasTicket> {
    return this.request({ method: 'PUT', path: `tickets/${id}`, schema: GorgiasTicket, data: input });
  }

  createMessage(ticketId: number, input: GorgiasMessageInput): Promise<GorgiasMessage> {
    return this.request({
      method: 'POST',
      path: `tickets/${ticketId}/messages`,
      schema: GorgiasMessage,
      data: input,
    });
  }

  private async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const idempotent = spec.method !== 'POST';
    let limited = 0;
    let failures = 0;
    for (;;) {
      try {
        await this.limiter.acquire();
      } catch (err) {
        if (err instanceof RateLimitWaitExceeded) throw new GorgiasApiError(err.message, 429, true);
        throw err;
      }
      let res: AxiosResponse;
      try {
        res = await this.http.request({
          method: spec.method,
          url: spec.path,
          params: spec.params,
          data: spec.data,
        });
      } catch (err) {
        const code = axios.isAxiosError(err) ? err.code : undefined;
        const neverArrived = code === 'ECONNREFUSED';
        if ((idempotent || neverArrived) && failures < this.maxServerRetries) {
          failures += 1;
          await sleep(this.serverRetryBaseMs * 2 ** (failures - 1));
          continue;
        }
        throw new GorgiasApiError(
          `Gorgias ${spec.method} ${spec.path} failed: ${code ?? (err as Error).message}`,
          null,
          true,
        );
      }

      if (res.status === 429) {
        const waitMs = retryAfterMs(res.headers['retry-after']) ?? this.opts.defaultRetryAfterMs;
        this.logger.warn(
          { path: spec.path, waitMs, callLimit: res.headers['x-gorgias-account-api-call-limit'] },
          'Gorgias rate limit hit; pausing every process for Retry-After',
        );
        await this.limiter.block(waitMs);
        limited += 1;
        if (limited > this.maxRateLimitRetries) {
          throw new GorgiasApiError(`Gorgias kept answering 429 on ${spec.path}`, 429, true);
        }
        continue;
      }
      if (res.status >= 500) {
        if (idempotent && failures < this.maxServerRetries) {
          failures += 1;
          await sleep(this.serverRetryBaseMs * 2 ** (failures - 1));
          continue;
        }
        throw new GorgiasApiError(
          `Gorgias ${spec.method} ${spec.path} answered ${res.status}`,
          res.status,
          true,
        );
      }
      if (res.status >= 400) {
        throw new GorgiasApiError(
          `Gorgias ${spec.method} ${spec.path} answered ${res.status}: ${describeBody(res.data)}`,
          res.status,
          res.status === 408,
        );
      }
      const parsed = spec.schema.safeParse(res.data);
      if (!parsed.success) {
        throw new GorgiasApiError(
          `Gorgias ${spec.method} ${spec.path} answered an unexpected body: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')} ${i.message}`)
            .join('; ')}`,
          res.status,
          false,
        );
      }
      return parsed.data;
    }
  }
}

/** `Retry-After` as seconds (Gorgias sends an integer) or an HTTP date. */
export function retryAfterMs(header: unknown): number | undefined {
  if (typeof header !== 'string' && typeof header !== 'number') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(String(header));
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describeBody(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 200);
  try {
    return JSON.stringify(data).slice(0, 300);
  } catch {
    return 'unreadable body';
  }
}
