/**
 * Benchmark (not a test): how fast the CRM acknowledges Shopify webhook deliveries with many in
 * flight. Every request is a distinct, correctly signed `customers/update` delivery (its own
 * X-Shopify-Webhook-Id), plus a share of byte-identical repeats, as Shopify sends them. The
 * target is ack p99 ≤ 50 ms with 200 deliveries in flight.
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
import autocannon from 'autocannon';

const url = (process.env.CRM_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const secret = process.env.SHOPIFY_WEBHOOK_SECRET;
const shop = process.env.SHOPIFY_SHOP ?? 'bench-store.myshopify.com';
const connections = Number(process.env.BENCH_CONNECTIONS ?? 200);
const duration = Number(process.env.BENCH_DURATION ?? 20);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const shoppers = Number(process.env.BENCH_SHOPPERS ?? 2000);
const repeatShare = Number(process.env.BENCH_REPEATS ?? 0.1);
const topic = process.env.BENCH_TOPIC ?? 'customers/update';
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

interface Prepared {
  body: string;
  headers: Record<string, string>;
}

let sequence = 0;
const recent: Prepared[] = [];
const start = Date.now();

/** A new signed delivery, or (sometimes) a repeat of a recent one, byte for byte. */
function nextDelivery(): Prepared {
  if (recent.length > 100 && Math.random() < repeatShare) {
    return recent[Math.floor(Math.random() * recent.length)] as Prepared;
  }
  sequence++;
  const id = 8_000_000_000 + (sequence % shoppers);
  const updatedAt = new Date(start + sequence * 1000).toISOString();
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
  const prepared: Prepared = {
    body,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': createHmac('sha256', key).update(body).digest('base64'),
      'x-shopify-shop-domain': shop,
      'x-shopify-api-version': '2025-10',
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-event-id': randomUUID(),
      'x-shopify-triggered-at': updatedAt,
    },
  };
  recent.push(prepared);
  if (recent.length > 1000) recent.shift();
  return prepared;
}

function run(seconds: number, baseUrl = url): Promise<autocannon.Result> {
  const opts: autocannon.Options = {
    url: `${baseUrl}/api/shopify/webhooks/${receiver}`,
    method: 'POST',
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const d = nextDelivery();
          return { ...req, method: 'POST', body: d.body, headers: d.headers };
        },
      },
    ],
  };
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Measures the no-work receiver (webhook-floor-server.ts) in its own process under the same load. */
async function measureFloor(seconds: number): Promise<autocannon.Result> {
  const child = fork(path.join(__dirname, 'webhook-floor-server.js'), [], {
    env: { ...process.env, SHOPIFY_WEBHOOK_SECRET: key },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`the floor server exited (${code})`)));
    });
    await run(1, `http://127.0.0.1:${port}`);
    return await run(seconds, `http://127.0.0.1:${port}`);
  } finally {
    child.disconnect();
  }
}

const fmt = (r: autocannon.Result) =>
  `p50 ${r.latency.p50}  p90 ${r.latency.p90}  p99 ${r.latency.p99}  max ${r.latency.max}  (${r.requests.average.toFixed(0)}/s)`;

async function main(): Promise<void> {
  console.log(`warming up ${warmup}s …`);
  if (warmup > 0) await run(warmup);
  // The floor: a process that only checks the signature and answers, under the same load, so
  // the machine's limit is told apart from the cost of recording.
  const floor = await measureFloor(Math.max(3, Math.round(duration / 2)));
  console.log(`measuring ${duration}s of ${topic} with ${connections} deliveries in flight against ${url} …`);
  const r = await run(duration);
  const lines = [
    `requests        ${r.requests.total} (${r['2xx']} acknowledged 2xx, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts)`,
    `ack latency ms  ${fmt(r)}`,
    `floor (no-work receiver) ${fmt(floor)}`,
    `target          ack p99 ≤ 50 ms: ${r.latency.p99 <= 50 ? 'met' : 'NOT met'}`,
  ];
  console.log(lines.join('\n'));
  if (r.non2xx > 0 || r.errors > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
