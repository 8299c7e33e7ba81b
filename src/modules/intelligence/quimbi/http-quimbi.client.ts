import http from 'node:http';
import https from 'node:https';
import axios, { isAxiosError, type AxiosInstance, type Method } from 'axios';
import CircuitBreaker from 'opossum';
import type { z } from 'zod';
import type { Logger } from '../../../platform/logging/logger';
import { currentContext } from '../../../platform/logging/request-context';
import type { QuimbiClient, Sourced } from './quimbi.client';
import {
  CategorizeResponse,
  ChurnPrediction,
  CustomerDna,
  DraftResponse,
  HealthResponse,
  type CategorizeRequest,
  type DraftRequest,
} from './quimbi.contract';
import {
  IntelligenceRateLimited,
  IntelligenceRejected,
  IntelligenceUnavailable,
  isRejection,
} from './quimbi.errors';
import { breakerStateValue, type CallOutcome, type Endpoint, type QuimbiMetrics } from './quimbi.metrics';
import { backoffDelay, isRetryableStatus, parseRetryAfter, retryFits } from './retry-policy';

export interface HttpQuimbiClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Budget of one call (every attempt and backoff included); also the breaker's timeout. */
  timeoutMs: number;
  draftTimeoutMs: number;
  /** Retries of idempotent reads (GET) after a 5xx or a connection error. */
  retries: number;
  retryBaseMs: number;
  maxSockets: number;
  breaker: { resetMs: number; errorPercent: number; volume: number; windowMs: number };
}

type Family = Exclude<Endpoint, 'health'>;

/** One HTTP request to the service. */
interface RequestSpec {
  method: Method;
  path: string;
  data?: unknown;
  schema: z.ZodType;
  signal: AbortSignal;
}

/** One call through a breaker: the request, its budget, its own abort switch and its own fallback. */
interface Call extends RequestSpec {
  family: Family;
  idempotent: boolean;
  startedAt: number;
  budgetMs: number;
  controller: AbortController;
  fallback: () => Promise<unknown>;
}

const families: Family[] = ['draft', 'dna', 'churn', 'categorize'];
const retryCapMs = 2000;
/** Grace after the breaker's timeout before axios' own timeout: the breaker decides, axios is the safety net. */
const axiosGraceMs = 50;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * The Quimbi client over HTTP: axios on keep-alive sockets; one opossum breaker per endpoint
 * family whose timeout is the call's whole budget; retries with jittered backoff for idempotent
 * reads only, and only while they fit in that budget; 4xx (but 429) do not count as failures;
 * a 429 stops every call until its Retry-After has passed; every failure, open breaker or
 * refusal answers from the fallback (the local intelligence), marked `source: "fallback"`.
 *
 * Each call gets its own AbortController, aborted when the breaker times the call out. (opossum's
 * `abortController` option is one controller per breaker: a timeout would abort every other call
 * in flight, and it stays aborted until the breaker half-opens.)
 */
export class HttpQuimbiClient implements QuimbiClient {
  readonly mode = 'remote' as const;
  private readonly http: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly breakers: Record<Family, CircuitBreaker<[Call], unknown>>;
  /** While in the future, the service asked us (429) not to call: answer from the fallback. */
  private rateLimitedUntil = 0;
  /** Calls in flight, so close() can abort them instead of waiting for their timeouts. */
  private readonly active = new Set<AbortController>();

  constructor(
    private readonly opts: HttpQuimbiClientOptions,
    private readonly fallback: QuimbiClient,
    private readonly metrics: QuimbiMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets }),
      https: new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets }),
    };
    this.http = axios.create({
      baseURL: opts.baseUrl,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      maxRedirects: 0,
      maxContentLength: 2 * 1024 * 1024,
      validateStatus: () => true,
      headers: {
        Authorization: `Bearer ${opts.apiKey}`,
        Accept: 'application/json',
        'User-Agent': 'support-crm/quimbi-client',
      },
    });
    this.breakers = Object.fromEntries(families.map((f) => [f, this.buildBreaker(f)])) as Record<
      Family,
      CircuitBreaker<[Call], unknown>
    >;
  }

  draft(request: DraftRequest) {
    return this.call('draft', 'post', '/api/ml/draft', DraftResponse, request, () =>
      this.fallback.draft(request),
    );
  }

  customerDna(customerId: string) {
    return this.call(
      'dna',
      'get',
      `/api/ml/customers/${encodeURIComponent(customerId)}/dna`,
      CustomerDna,
      undefined,
      () => this.fallback.customerDna(customerId),
    );
  }

  churn(customerId: string) {
    return this.call(
      'churn',
      'get',
      `/api/ml/customers/${encodeURIComponent(customerId)}/churn`,
      ChurnPrediction,
      undefined,
      () => this.fallback.churn(customerId),
    );
  }

  categorize(request: CategorizeRequest) {
    return this.call('categorize', 'post', '/api/ml/categorize', CategorizeResponse, request, () =>
      this.fallback.categorize(request),
    );
  }

  /** The service's own health, without breaker or fallback: throws when it is not reachable. */
  async health(): Promise<{ status: string; source: 'intelligence' }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    try {
      const body = await this.attempt(
        { method: 'get', path: '/api/ml/health', schema: HealthResponse, signal: controller.signal },
        this.opts.timeoutMs,
        'health',
      );
      return { ...(body as { status: string }), source: 'intelligence' };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Current breaker states, for logs, tests and the metrics gauge. */
  breakerStates(): Record<Family, 'closed' | 'half_open' | 'open'> {
    return Object.fromEntries(
      families.map((f) => {
        const b = this.breakers[f];
        return [f, b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed'];
      }),
    ) as Record<Family, 'closed' | 'half_open' | 'open'>;
  }

  async close(): Promise<void> {
    for (const c of this.active) c.abort();
    for (const b of Object.values(this.breakers)) b.shutdown();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async call<T>(
    family: Family,
    method: Method,
    path: string,
    schema: z.ZodType<T>,
    data: unknown,
    fallback: () => Promise<Sourced<T>>,
  ): Promise<Sourced<T>> {
    if (this.now() < this.rateLimitedUntil) {
      this.metrics.calls.inc({ endpoint: family, outcome: 'rate_limit_wait' });
      return this.answerFromFallback(family, fallback);
    }
    const controller = new AbortController();
    const call: Call = {
      family,
      method,
      path,
      data,
      schema,
      signal: controller.signal,
      idempotent: method === 'get',
      startedAt: this.now(),
      budgetMs: family === 'draft' ? this.opts.draftTimeoutMs : this.opts.timeoutMs,
      controller,
      fallback,
    };
    this.active.add(controller);
    try {
      return (await this.breakers[family].fire(call)) as Sourced<T>;
    } catch (err) {
      // Only refusals get here (the breaker's fallback covers every failure): the service is up
      // but will not answer this request, so the local intelligence does.
      if (!isRejection(err)) throw err;
      this.metrics.calls.inc({ endpoint: family, outcome: 'rejected' });
      this.logger.warn(
        { endpoint: family, status: err.httpStatus },
        'intelligence service refused the request',
      );
      return this.answerFromFallback(family, fallback);
    } finally {
      this.active.delete(controller);
    }
  }

  private answerFromFallback<T>(family: Family, fallback: () => Promise<Sourced<T>>): Promise<Sourced<T>> {
    this.metrics.fallbacks.inc({ endpoint: family });
    return fallback();
  }

  private buildBreaker(family: Family): CircuitBreaker<[Call], unknown> {
    const b = this.opts.breaker;
    const breaker = new CircuitBreaker<[Call], unknown>((call: Call) => this.execute(call), {
      name: `quimbi-${family}`,
      timeout: family === 'draft' ? this.opts.draftTimeoutMs : this.opts.timeoutMs,
      resetTimeout: b.resetMs,
      errorThresholdPercentage: b.errorPercent,
      volumeThreshold: b.volume,
      rollingCountTimeout: b.windowMs,
      rollingCountBuckets: 10,
      // The service answered, it just refused this request: not a sign of ill health.
      errorFilter: (err: unknown) => isRejection(err),
    });
    breaker.fallback((call: Call, err: unknown) => {
      this.recordFailure(family, err);
      this.metrics.fallbacks.inc({ endpoint: family });
      return call.fallback();
    });
    // opossum emits (error, latency, args) on timeout; its typings only declare the error.
    const onTimeout = (_err: Error, _latency: number, args: [Call]) => args[0].controller.abort();
    breaker.on('timeout', onTimeout as unknown as (err: Error) => void);
    const gauge = this.metrics.breakerState;
    gauge.set({ breaker: family }, breakerStateValue.closed);
    breaker.on('open', () => {
      gauge.set({ breaker: family }, breakerStateValue.open);
      this.metrics.breakerOpens.inc({ breaker: family });
      this.logger.warn({ breaker: family, resetMs: b.resetMs }, 'intelligence breaker opened');
    });
    breaker.on('halfOpen', () => {
      gauge.set({ breaker: family }, breakerStateValue.half_open);
      this.logger.info({ breaker: family }, 'intelligence breaker half-open: next call is a trial');
    });
    breaker.on('close', () => {
      gauge.set({ breaker: family }, breakerStateValue.closed);
      this.metrics.breakerCloses.inc({ breaker: family });
      this.logger.info({ breaker: family }, 'intelligence breaker closed');
    });
    return breaker;
  }

  private recordFailure(family: Family, err: unknown): void {
    const outcome = outcomeOf(err);
    this.metrics.calls.inc({ endpoint: family, outcome });
    if (outcome !== 'breaker_open') {
      this.logger.debug(
        { endpoint: family, outcome, status: (err as { httpStatus?: number }).httpStatus },
        'intelligence call failed; answering from the local fallback',
      );
    }
  }

  /** The breaker's action: attempts (with retries for idempotent reads) within the call's budget. */
  private async execute(call: Call): Promise<unknown> {
    const deadline = call.startedAt + call.budgetMs;
    const minAttemptMs = Math.max(50, call.budgetMs / 4);
    for (let attempt = 0; ; attempt++) {
      try {
        const body = await this.attempt(call, deadline - this.now(), call.family);
        this.metrics.calls.inc({ endpoint: call.family, outcome: 'success' });
        return { ...(body as object), source: 'intelligence' };
      } catch (err) {
        const retryable =
          call.idempotent &&
          attempt < this.opts.retries &&
          err instanceof IntelligenceUnavailable &&
          (err.reason === 'network' ||
            (err.reason === 'server_error' &&
              err.httpStatus !== undefined &&
              isRetryableStatus(err.httpStatus)));
        const delay = backoffDelay(attempt, this.opts.retryBaseMs, retryCapMs);
        if (
          !retryable ||
          call.controller.signal.aborted ||
          !retryFits(deadline - this.now(), delay, minAttemptMs)
        )
          throw err;
        this.metrics.retries.inc({ endpoint: call.family });
        await sleep(delay, call.controller.signal);
        if (call.controller.signal.aborted) throw err;
      }
    }
  }

  /** One HTTP request; maps every way it can go wrong to a typed error. */
  private async attempt(call: RequestSpec, remainingMs: number, endpoint: Endpoint): Promise<unknown> {
    const started = process.hrtime.bigint();
    const requestId = currentContext()?.requestId;
    let status: number;
    let body: unknown;
    let retryAfter: string | undefined;
    try {
      const res = await this.http.request({
        method: call.method,
        url: call.path,
        data: call.data,
        timeout: Math.max(1, Math.round(remainingMs)) + axiosGraceMs,
        signal: call.signal,
        headers: requestId ? { 'X-Request-Id': requestId } : undefined,
      });
      status = res.status;
      body = res.data;
      const header: unknown = res.headers['retry-after'];
      retryAfter = typeof header === 'string' ? header : undefined;
    } catch (err) {
      throw this.transportError(err, call.signal);
    } finally {
      this.metrics.latency.observe({ endpoint }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    if (status >= 200 && status < 300) {
      const parsed = call.schema.safeParse(body);
      if (!parsed.success) {
        throw new IntelligenceUnavailable('bad_response', `Malformed ${endpoint} response`, status);
      }
      return parsed.data;
    }
    if (status === 429) {
      const waitMs = parseRetryAfter(retryAfter, this.now());
      this.rateLimitedUntil = Math.max(this.rateLimitedUntil, this.now() + waitMs);
      this.logger.warn(
        { endpoint, retryAfterMs: waitMs },
        'intelligence service rate limited us; pausing calls',
      );
      throw new IntelligenceRateLimited(waitMs);
    }
    if (status >= 400 && status < 500) {
      throw new IntelligenceRejected(status, `Intelligence service refused ${endpoint} with HTTP ${status}`);
    }
    throw new IntelligenceUnavailable(
      'server_error',
      `Intelligence service answered ${endpoint} with HTTP ${status}`,
      status,
    );
  }

  private transportError(err: unknown, signal: AbortSignal): IntelligenceUnavailable {
    if (signal.aborted)
      return new IntelligenceUnavailable('timeout', 'Intelligence call timed out (aborted)');
    if (isAxiosError(err)) {
      if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') {
        return new IntelligenceUnavailable('timeout', 'Intelligence call timed out');
      }
      if (err.code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || err.code === 'ERR_BAD_RESPONSE') {
        return new IntelligenceUnavailable('bad_response', 'Intelligence response could not be read');
      }
      return new IntelligenceUnavailable(
        'network',
        `Intelligence service unreachable (${err.code ?? 'error'})`,
      );
    }
    return new IntelligenceUnavailable('network', 'Intelligence service unreachable');
  }
}

function outcomeOf(err: unknown): CallOutcome {
  if (err instanceof IntelligenceUnavailable) return err.reason;
  const code = (err as { code?: string } | null)?.code;
  if (code === 'EOPENBREAKER') return 'breaker_open';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'network';
}
