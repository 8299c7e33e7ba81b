/**
 * Benchmark (not a test): how fast the CRM acknowledges Shopify webhook deliveries with many in
 * flight. Every request is a distinct, correctly signed `customers/update` delivery (its own
 * X-Shopify-Webhook-Id), plus a share of byte-identical repeats, as Shopify sends them. The
 * target is ack p99 ≤ 50 ms with 200 deliveries in flight. The load comes from the lean
 * generator in lib/closed-loop.ts, which leaves more of a shared host to the CRM than autocannon
 * did; with BENCH_API_PID it also reports the API's and Postgres's CPU per acknowledgement.
 *
 * Against a running CRM (API, and normally the worker) configured with the same secret:
 *   npm run build
 *   CRM_URL=http://127.0.0.1:3000 SHOPIFY_WEBHOOK_SECRET=… SHOPIFY_SHOP=… node dist/bench/shopify-webhooks.js
 * or everything in one go (own database, API + worker, fake settings): scripts/bench-shopify-webhooks
 *
 * Knobs (environment): BENCH_CONNECTIONS (200), BENCH_DURATION seconds (20), BENCH_WARMUP
 * seconds (3), BENCH_SHOPPERS distinct customers (2000), BENCH_REPEATS share of repeats (0.1),
 * BENCH_TOPIC (`customers/update`, or `orders/create`: new orders of those customers, each
 * carrying its customer unchanged, as most order deliveries do).
 */
import { fork } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import path from 'node:path';
import { closedLoop, type ClosedLoopResult } from './lib/closed-loop';
import { cpuMs, postgresCpuMs, RssSampler } from './lib/load';

const url = new URL(process.env.CRM_URL ?? 'http://127.0.0.1:3000');
const secret = process.env.SHOPIFY_WEBHOOK_SECRET;
const shop = process.env.SHOPIFY_SHOP ?? 'bench-store.myshopify.com';
const connections = Number(process.env.BENCH_CONNECTIONS ?? 200);
const duration = Number(process.env.BENCH_DURATION ?? 20);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const shoppers = Number(process.env.BENCH_SHOPPERS ?? 2000);
const repeatShare = Number(process.env.BENCH_REPEATS ?? 0.1);
const topic = process.env.BENCH_TOPIC ?? 'customers/update';
/** The API's pid, when known (scripts/bench-shopify-webhooks passes it): its CPU per ack. */
const apiPid = process.env.BENCH_API_PID ? Number(process.env.BENCH_API_PID) : null;
if (topic !== 'customers/update' && topic !== 'orders/create') {
  console.error(`BENCH_TOPIC must be customers/update or orders/create, not ${topic}`);
  process.exit(2);
}
const receiver = topic === 'orders/create' ? 'orders' : 'customers';

if (!secret) {
  console.error('SHOPIFY_WEBHOOK_SECRET is required (the secret the CRM under test verifies with)');
  process.exit(2);
}
const key = secret;

let sequence = 0;
const recent: Buffer[] = [];
const start = Date.now();

const lastUpdatedAt = new Map<number, number>();

/**
 * The shopper's new `updated_at`: now, or a millisecond after its previous one. From the wall
 * clock so that a run's updates are newer than what earlier runs stored (a run-relative clock
 * made every run after the first on a database deliveries the CRM rightly skipped as stale).
 */
function nextUpdatedAt(shopper: number): string {
  const at = Math.max(Date.now(), (lastUpdatedAt.get(shopper) ?? 0) + 1);
  lastUpdatedAt.set(shopper, at);
  return new Date(at).toISOString();
}

/** A new signed delivery, or (sometimes) a repeat of a recent one, byte for byte, as HTTP bytes. */
function nextDelivery(): Buffer {
  if (recent.length > 100 && Math.random() < repeatShare) {
    return recent[Math.floor(Math.random() * recent.length)] as Buffer;
  }
  sequence++;
  const id = 8_000_000_000 + (sequence % shoppers);
  const updatedAt = nextUpdatedAt(id);
  const customer = {
    id,
    email: `bench-${id}@example.com`,
    first_name: 'Bench',
    last_name: `Shopper ${id}`,
    phone: null,
    state: 'enabled',
    verified_email: true,
    currency: 'USD',
    note: null,
    addresses: [],
    default_address: null,
    created_at: new Date(start).toISOString(),
    updated_at: updatedAt,
  };
  const body = JSON.stringify(
    topic === 'orders/create'
      ? {
          id: 9_000_000_000 + sequence,
          name: `#B${sequence}`,
          email: customer.email,
          created_at: updatedAt,
          updated_at: updatedAt,
          cancelled_at: null,
          currency: 'USD',
          total_price: '25.00',
          financial_status: 'paid',
          fulfillment_status: null,
          // The customer as of the run's start: unchanged from one order to the next.
          customer: { ...customer, updated_at: new Date(start).toISOString() },
          line_items: [{ id: sequence, title: 'Blue mug', quantity: 1, price: '25.00' }],
        }
      : customer,
  );
  const headers = [
    `POST /api/shopify/webhooks/${receiver} HTTP/1.1`,
    `Host: ${url.host}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Shopify-Topic: ${topic}`,
    `X-Shopify-Hmac-Sha256: ${createHmac('sha256', key).update(body).digest('base64')}`,
    `X-Shopify-Shop-Domain: ${shop}`,
    'X-Shopify-API-Version: 2025-10',
    `X-Shopify-Webhook-Id: ${randomUUID()}`,
    `X-Shopify-Event-Id: ${randomUUID()}`,
    `X-Shopify-Triggered-At: ${updatedAt}`,
  ];
  const request = Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`);
  recent.push(request);
  if (recent.length > 1000) recent.shift();
  return request;
}

function run(seconds: number, port = Number(url.port || 80)): Promise<ClosedLoopResult> {
  return closedLoop({ host: url.hostname, port, connections, seconds, next: nextDelivery });
}

/** Measures the no-work receiver (webhook-floor-server.ts) in its own process under the same load. */
async function measureFloor(seconds: number): Promise<ClosedLoopResult> {
  const child = fork(path.join(__dirname, 'webhook-floor-server.js'), [], {
    env: { ...process.env, SHOPIFY_WEBHOOK_SECRET: key },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`the floor server exited (${code})`)));
    });
    await run(1, port);
    return await run(seconds, port);
  } finally {
    child.disconnect();
  }
}

const fmt = (r: ClosedLoopResult) =>
  `p50 ${r.latencyMs.p50}  p90 ${r.latencyMs.p90}  p99 ${r.latencyMs.p99}  ` +
  `max ${r.latencyMs.max} (sent at ${r.maxSentAtSeconds} s)  ` +
  `(${r.perSecond.toFixed(0)}/s; generator ${r.generatorCpuUs.toFixed(0)} µs CPU each)`;

async function main(): Promise<void> {
  console.log(`warming up ${warmup}s …`);
  if (warmup > 0) await run(warmup);
  // The floor: a process that only checks the signature and answers, under the same load, so
  // the machine's limit is told apart from the cost of recording.
  const floor = await measureFloor(Math.max(3, Math.round(duration / 2)));
  console.log(
    `measuring ${duration}s of ${topic} with ${connections} deliveries in flight against ${url.origin} …`,
  );
  const cpuBefore = { api: apiPid === null ? null : cpuMs(apiPid), postgres: postgresCpuMs() };
  const rss = new RssSampler(apiPid);
  rss.start();
  const r = await run(duration);
  const peakRssMb = rss.stop();
  const perAck = (before: number | null, after: number | null) =>
    before === null || after === null ? '—' : `${(((after - before) * 1000) / r.total).toFixed(0)} µs`;
  const acknowledged = r.byStatus['200'] ?? 0;
  const lines = [
    `requests        ${r.total} (${acknowledged} acknowledged 200, statuses ${JSON.stringify(r.byStatus)}, ${r.errors} errors)`,
    `ack latency ms  ${fmt(r)}`,
    `floor (no-work receiver) ${fmt(floor)}`,
    `CPU per ack     API ${perAck(cpuBefore.api, apiPid === null ? null : cpuMs(apiPid))}, ` +
      `Postgres ${perAck(cpuBefore.postgres, postgresCpuMs())} (with the worker's share when it runs); ` +
      `API peak RSS ${peakRssMb ?? '—'} MB`,
    `target          ack p99 ≤ 50 ms: ${r.latencyMs.p99 <= 50 ? 'met' : 'NOT met'}`,
  ];
  console.log(lines.join('\n'));
  if (acknowledged < r.total || r.errors > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
