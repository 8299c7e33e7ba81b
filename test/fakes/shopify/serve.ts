/**
 * The fake Shopify as a standalone process, for the demo and manual checks:
 *   npm run build && node dist/test/fakes/shopify/serve.js
 * It serves the Admin REST subset on FAKE_SHOPIFY_PORT (default 3790) with FAKE_SHOPIFY_CUSTOMERS
 * seeded customers (default 600, most with orders), and a small control API on the next port that
 * changes the store *and* sends the matching signed webhook to the CRM (CRM_URL), as a real
 * store would:
 *   POST /customers            {"first_name","last_name","email"}   → customers/create
 *   POST /customers/:id        {"first_name"…}                      → customers/update
 *   DELETE /customers/:id                                           → customers/delete
 *   POST /customers/:id/orders {"total_price":"19.99"}              → orders/create
 *   POST /customers/:id/redact                                      → customers/redact
 *   POST /customers/:id/data-request                                → customers/data_request
 */
import { createServer } from 'node:http';
import { FakeShopify, type FakeCustomer, type FakeOrder } from './fake-shopify';
import { ShopifyWebhookSender } from './webhook-sender';

const port = Number(process.env.FAKE_SHOPIFY_PORT ?? 3790);
const seeded = Number(process.env.FAKE_SHOPIFY_CUSTOMERS ?? 600);
const crmUrl = process.env.CRM_URL ?? 'http://localhost:3000';
const secret = process.env.SHOPIFY_WEBHOOK_SECRET ?? 'demo-webhook-secret';
const token = process.env.SHOPIFY_ACCESS_TOKEN ?? 'shpat_demo_token';
const shop = 'demo-store.myshopify.com';

const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const fake = new FakeShopify({ shop, accessToken: token });
  for (let i = 0; i < seeded; i++) {
    const c = fake.addCustomer();
    for (let n = 0; n < i % 4; n++)
      fake.addOrder(c.id, { total_price: `${(12 + ((i * 7 + n * 13) % 180)).toFixed(2)}` });
  }
  const apiUrl = await fake.start(port, '127.0.0.1');
  const sender = new ShopifyWebhookSender({ baseUrl: crmUrl, secret, shopDomain: shop });

  const control = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = chunks.length
          ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
          : {};
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const id = Number(/^\/customers\/(\d+)/.exec(path)?.[1]);
        let topic: string;
        let payload: unknown;
        if (req.method === 'POST' && path === '/customers') {
          payload = fake.addCustomer(body as Partial<FakeCustomer>);
          topic = 'customers/create';
        } else if (req.method === 'POST' && /^\/customers\/\d+$/.test(path)) {
          payload = fake.updateCustomer(id, body as Partial<FakeCustomer>);
          topic = 'customers/update';
        } else if (req.method === 'DELETE' && /^\/customers\/\d+$/.test(path)) {
          fake.deleteCustomer(id);
          payload = { id };
          topic = 'customers/delete';
        } else if (req.method === 'POST' && path.endsWith('/orders')) {
          payload = fake.addOrder(id, body as Partial<FakeOrder>);
          topic = 'orders/create';
        } else if (req.method === 'POST' && path.endsWith('/redact')) {
          const c = fake.customers.get(id);
          payload = {
            shop_domain: shop,
            customer: { id, email: c?.email, phone: c?.phone },
            orders_to_redact: [],
          };
          topic = 'customers/redact';
        } else if (req.method === 'POST' && path.endsWith('/data-request')) {
          const c = fake.customers.get(id);
          payload = {
            shop_domain: shop,
            customer: { id, email: c?.email, phone: c?.phone },
            orders_requested: [],
            data_request: { id: Date.now() },
          };
          topic = 'customers/data_request';
        } else {
          res.writeHead(404).end();
          return;
        }
        const sent = await sender.deliver(topic, payload);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ topic, crmStatus: sent.status, crmAnswer: sent.body, resource: payload }, null, 2),
        );
      })().catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => control.listen(port + 1, '127.0.0.1', resolve));

  out(`fake Shopify Admin API on ${apiUrl} (${seeded} customers, ${fake.orders.size} orders)`);
  out(
    `control API (changes the store and sends signed webhooks to ${crmUrl}) on http://127.0.0.1:${port + 1}`,
  );
  out('start the CRM with:');
  out(
    `  SHOPIFY_SHOP=${shop} SHOPIFY_ACCESS_TOKEN=${token} SHOPIFY_WEBHOOK_SECRET=${secret} SHOPIFY_API_BASE_URL=${apiUrl}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
