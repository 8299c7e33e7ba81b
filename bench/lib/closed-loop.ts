/**
 * A lean closed-loop HTTP/1.1 load generator: `connections` keep-alive sockets, each sending the
 * next request as soon as the previous answer is complete, for `seconds`. Requests arrive as
 * finished bytes, so the generator's own work per request is one write and a scan of the answer's
 * head. It exists because on a two-core host the generator shares the cores with the server it
 * measures: autocannon spent ~75–90 µs of CPU on each signed webhook request, as much as a third
 * of what the CRM spends acknowledging it, and its waits for a core showed up as server latency.
 * Answers must carry Content-Length; one without it ends the run with an error.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile } from './load';

export interface ClosedLoopOptions {
  host: string;
  port: number;
  connections: number;
  seconds: number;
  /** The next request, head and body, ready to write. */
  next: () => Buffer;
}

export interface ClosedLoopResult {
  seconds: number;
  /** Complete answers received inside the window. */
  total: number;
  perSecond: number;
  byStatus: Record<string, number>;
  /** Connections lost to an error or closed by the server before the end. */
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** When the slowest answer was sent, in seconds from the start (a stall's place in the run). */
  maxSentAtSeconds: number;
  /** The generator's own CPU time (user + system) per answer, in µs. */
  generatorCpuUs: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

export async function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  let slowest = { ms: -1, sentAt: 0 };
  const byStatus: Record<string, number> = {};
  let errors = 0;
  let unframed = false;
  let stopped = false;
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();

  const drive = (socket: Socket) =>
    new Promise<void>((resolve) => {
      let pending: Buffer | null = null;
      let sentAt = 0;
      let done = false;
      const finish = () => {
        done = true;
        socket.destroy();
        resolve();
      };
      const send = () => {
        if (stopped) return finish();
        sentAt = performance.now();
        socket.write(options.next());
      };
      socket.on('data', (chunk: Buffer) => {
        let buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
        for (;;) {
          const headEnd = buffer.indexOf(HEAD_END);
          if (headEnd < 0) break;
          const head = buffer.toString('latin1', 0, headEnd);
          const length = CONTENT_LENGTH.exec(head);
          if (!length) {
            unframed = true;
            stopped = true;
            return finish();
          }
          const end = headEnd + HEAD_END.length + Number(length[1]);
          if (buffer.length < end) break;
          const status = head.slice(9, 12);
          byStatus[status] = (byStatus[status] ?? 0) + 1;
          const ms = performance.now() - sentAt;
          latencies.push(ms);
          if (ms > slowest.ms) slowest = { ms, sentAt };
          buffer = buffer.subarray(end);
          send();
        }
        pending = buffer.length > 0 ? buffer : null;
      });
      // An error, or the server closing the connection, takes this connection out of the run.
      socket.on('error', () => {
        if (!done) errors++;
        finish();
      });
      socket.on('close', () => {
        if (!done) errors++;
        finish();
      });
      socket.once('connect', send);
    });

  const timer = setTimeout(() => (stopped = true), options.seconds * 1000);
  const sockets = Array.from({ length: options.connections }, () => {
    const socket = connect({ host: options.host, port: options.port, noDelay: true });
    return drive(socket);
  });
  await Promise.all(sockets);
  clearTimeout(timer);
  if (unframed) throw new Error('an answer came without Content-Length, which this generator needs');

  const seconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = Float64Array.from(latencies).sort();
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    seconds,
    total: latencies.length,
    perSecond: latencies.length / seconds,
    byStatus,
    errors,
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? NaN),
    },
    maxSentAtSeconds: Math.round((slowest.sentAt - startedAt) / 100) / 10,
    generatorCpuUs: latencies.length ? (cpu.user + cpu.system) / latencies.length : NaN,
  };
}
