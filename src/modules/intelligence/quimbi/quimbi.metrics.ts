import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Endpoint = 'draft' | 'dna' | 'churn' | 'categorize' | 'health';
export type CallOutcome =
  | 'success'
  | 'rejected'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'bad_response'
  | 'breaker_open'
  | 'rate_limited'
  | 'rate_limit_wait';
export type BreakerState = 'closed' | 'half_open' | 'open';

export const breakerStateValue: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** The client's Prometheus series, registered on the process' (container's) registry. */
export function createQuimbiMetrics(registry: Registry) {
  return {
    calls: new Counter({
      name: 'quimbi_calls_total',
      help: 'Intelligence calls by endpoint family and outcome (rejected: 4xx but 429; rate_limited: a 429; breaker_open and rate_limit_wait: answered locally without calling)',
      labelNames: ['endpoint', 'outcome'] as const,
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'quimbi_fallbacks_total',
      help: 'Answers given by the local intelligence instead of the service, by endpoint family',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'quimbi_retries_total',
      help: 'Retried attempts of idempotent reads, by endpoint family',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'quimbi_request_duration_seconds',
      help: 'Latency of requests that reached the intelligence service (each attempt), by endpoint family',
      labelNames: ['endpoint'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'quimbi_breaker_state',
      help: 'Circuit breaker state by endpoint family: 0 closed, 1 half-open, 2 open',
      labelNames: ['breaker'] as const,
      registers: [registry],
    }),
    breakerOpens: new Counter({
      name: 'quimbi_breaker_opened_total',
      help: 'Times a circuit breaker opened',
      labelNames: ['breaker'] as const,
      registers: [registry],
    }),
    breakerCloses: new Counter({
      name: 'quimbi_breaker_closed_total',
      help: 'Times a circuit breaker closed again after being open',
      labelNames: ['breaker'] as const,
      registers: [registry],
    }),
  };
}

export type QuimbiMetrics = ReturnType<typeof createQuimbiMetrics>;
