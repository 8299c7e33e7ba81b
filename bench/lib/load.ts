import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Measured seconds. */
  duration: number;
  /** Seconds of the same load before measuring (results discarded). */
  warmup: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  /** Request pipeline (autocannon's `requests`): random ids come from `setupRequest`. */
  requests: autocannon.Request[];
}

export interface LoadResult {
  requests: number;
  /** Responses per second over the measured window. */
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  /** Peak VmRSS of the watched process while measuring, in MB (null: not watched). */
  peakRssMb: number | null;
  /**
   * CPU time (user + system) the watched process spent per response, in ms. Unlike latency
   * and throughput it hardly moves when other work shares the machine, so it is the figure to
   * compare between runs and against the baseline on a busy host.
   */
  cpuMsPerRequest: number | null;
}

/** utime + stime of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * utime + stime of every local `postgres` process (postmaster, backends, background workers)
 * in ms: the database's share of a benchmark when it runs on the same host. Backends that exit
 * in between take their time with them, so measure with the pool's connections open.
 */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    total += cpuMs(Number(entry)) ?? 0;
  }
  return total;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Samples a process' VmRSS from /proc every 100 ms and keeps the peak. */
export class RssSampler {
  private peakKb = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pid: number | null) {}

  static readKb(pid: number): number {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return match ? Number(match[1]) : 0;
    } catch {
      return 0;
    }
  }

  start(): void {
    if (this.pid === null) return;
    const pid = this.pid;
    this.peakKb = RssSampler.readKb(pid);
    this.timer = setInterval(() => {
      this.peakKb = Math.max(this.peakKb, RssSampler.readKb(pid));
    }, 100);
  }

  stop(): number | null {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.pid === null) return null;
    this.peakKb = Math.max(this.peakKb, RssSampler.readKb(this.pid));
    return Math.round(this.peakKb / 1024);
  }
}

function fire(
  opts: LoadOptions,
  seconds: number,
  onResponse?: (status: number, ms: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: seconds,
        method: opts.method ?? 'GET',
        requests: opts.requests,
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (onResponse) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) =>
        onResponse(statusCode, responseTime),
      );
    }
  });
}

/** Warm-up, then a measured run at fixed connections; latency percentiles over every response. */
/** `rssPid`: the server process to watch (peak RSS, CPU per request), or null. */
export async function runLoad(opts: LoadOptions, rssPid: number | null): Promise<LoadResult> {
  if (opts.warmup > 0) await fire(opts, opts.warmup);
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const statuses: Record<string, number> = {};
  const sampler = new RssSampler(rssPid);
  sampler.start();
  const cpuBefore = rssPid === null ? null : cpuMs(rssPid);
  const started = process.hrtime.bigint();
  const result = await fire(opts, opts.duration, (status, ms) => {
    if (count === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[count++] = ms;
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRssMb = sampler.stop();
  const cpuAfter = rssPid === null ? null : cpuMs(rssPid);
  const sorted = latencies.slice(0, count).sort();
  return {
    requests: count,
    rps: count / Math.max(seconds, opts.duration),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : NaN,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
    peakRssMb,
    cpuMsPerRequest:
      cpuBefore !== null && cpuAfter !== null && count > 0 ? (cpuAfter - cpuBefore) / count : null,
  };
}
