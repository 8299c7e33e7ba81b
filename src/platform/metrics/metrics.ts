import { Registry, collectDefaultMetrics, Counter, Histogram } from 'prom-client';

/** One registry per process (per container in tests), never prom-client's global default. */
export function createMetrics(processName: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const domainEvents = new Counter({
    name: 'domain_events_total',
    help: 'Domain events published, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'jobs_processed_total',
    help: 'Background jobs processed, by queue, name and outcome',
    labelNames: ['queue', 'name', 'outcome'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, domainEvents, jobs };
}

export type Metrics = ReturnType<typeof createMetrics>;
