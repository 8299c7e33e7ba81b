import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Shopify Admin REST API (the subset the CRM uses), speaking the real wire protocol so
 * shopify-api-node and its retry logic are exercised for real:
 * - `X-Shopify-Access-Token` checked (401 otherwise);
 * - cursor paging: `limit` ≤ 250, the cursor in the `Link` header (`page_info`), and, as on
 *   Shopify, no other filter allowed beside `page_info` (400);
 * - a leaky bucket (40 calls, draining at 2/s by default) reported in
 *   `X-Shopify-Shop-Api-Call-Limit`, answering 429 with `Retry-After` when full;
 * - failure injection: 429s or 5xx on demand, hanging responses, the whole API down;
 * - every request recorded, to count calls per page.
 * Resources are REST-shaped (`id`, `email`, `first_name`, `updated_at` …, timestamps with an
 * offset and one-second resolution). A simulated clock advances one minute per change.
 */

export interface FakeCustomer {
  id: number;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  state: string;
  verified_email: boolean;
  currency: string;
  note: string | null;
  addresses: unknown[];
  default_address: unknown;
  created_at: string;
  updated_at: string;
}

export interface FakeOrder {
  id: number;
  name: string;
  email: string | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  cancelled_at: string | null;
  currency: string;
  total_price: string;
  financial_status: string;
  fulfillment_status: string | null;
  customer: {
    id: number;
    email: string | null;
    first_name: string | null;
    last_name: string | null;
    updated_at: string;
  } | null;
  line_items: Array<{
    id: number;
    title: string;
    quantity: number;
    price: string;
    sku: string;
    product_id: number;
    variant_id: number;
  }>;
  shipping_address: unknown;
  billing_address: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  at: number;
}

interface Fault {
  status: number;
  retryAfter?: string;
  times: number;
  when: (req: { path: string; query: Record<string, string> }) => boolean;
}

export interface FakeShopifyOptions {
  shop?: string;
  accessToken?: string;
  /** Leaky bucket size and drain rate; `Infinity` bucket disables throttling. */
  bucketSize?: number;
  leakPerSecond?: number;
  /** Retry-After sent when the bucket overflows (Shopify sends "2.0"). */
  bucketRetryAfter?: string;
  /** The bucket is full when the first call arrives (another client used it up): that call is a 429. */
  startFull?: boolean;
}

const apiPath = /^\/admin\/api\/([^/]+)\/(.+)\.json$/;

/** `2026-11-21T10:00:00-05:00`: Shopify's shape (offset, whole seconds). */
export function shopifyTime(ms: number): string {
  const d = new Date(ms - 5 * 3600 * 1000);
  return `${d.toISOString().slice(0, 19)}-05:00`;
}

export class FakeShopify {
  readonly shop: string;
  readonly accessToken: string;
  readonly customers = new Map<number, FakeCustomer>();
  readonly orders = new Map<number, FakeOrder>();
  readonly requests: RecordedRequest[] = [];
  url = '';
  /** When true every API call answers 503. */
  down = false;
  /** Milliseconds every API answer is delayed by. */
  delayMs = 0;

  private server?: Server;
  /** Simulated time (whole seconds), starting a month ago. */
  private clock = Math.floor((Date.now() - 30 * 24 * 3600 * 1000) / 1000) * 1000;
  private nextCustomerId = 7_000_000_001;
  private nextOrderId = 5_000_000_001;
  private orderNumber = 1001;
  private faults: Fault[] = [];
  private bucket = { level: 0, at: Date.now() };
  private readonly bucketSize: number;
  private readonly leakPerSecond: number;
  private readonly bucketRetryAfter: string;
  private startFull: boolean;

  constructor(opts: FakeShopifyOptions = {}) {
    this.shop = opts.shop ?? 'fake-store.myshopify.com';
    this.accessToken = opts.accessToken ?? 'shpat_fake_token';
    this.bucketSize = opts.bucketSize ?? Infinity;
    this.leakPerSecond = opts.leakPerSecond ?? 2;
    this.bucketRetryAfter = opts.bucketRetryAfter ?? '2.0';
    this.startFull = opts.startFull ?? false;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // --- data -----------------------------------------------------------------------------------

  /** Advances the simulated clock and answers the new time in Shopify's format. */
  tick(ms = 60_000): string {
    this.clock += ms;
    return shopifyTime(this.clock);
  }

  setClock(ms: number): void {
    this.clock = Math.floor(ms / 1000) * 1000;
  }

  addCustomer(fields: Partial<FakeCustomer> = {}): FakeCustomer {
    const id = this.nextCustomerId++;
    const now = this.tick();
    const c: FakeCustomer = {
      id,
      email: `shopper-${id}@example.com`,
      first_name: 'Shopper',
      last_name: String(id).slice(-4),
      phone: null,
      state: 'enabled',
      verified_email: true,
      currency: 'USD',
      note: null,
      addresses: [],
      default_address: null,
      created_at: now,
      updated_at: now,
      ...fields,
    };
    this.customers.set(id, c);
    return { ...c };
  }

  addCustomers(n: number): FakeCustomer[] {
    return Array.from({ length: n }, () => this.addCustomer());
  }

  /** Changes a customer as a merchant would: `updated_at` moves forward. */
  updateCustomer(id: number, changes: Partial<FakeCustomer>): FakeCustomer {
    const c = this.customers.get(id);
    if (!c) throw new Error(`no fake customer ${id}`);
    Object.assign(c, changes, { updated_at: this.tick() });
    return { ...c };
  }

  deleteCustomer(id: number): void {
    this.customers.delete(id);
  }

  addOrder(customerId: number | null, fields: Partial<FakeOrder> = {}): FakeOrder {
    const id = this.nextOrderId++;
    const now = this.tick();
    const customer = customerId === null ? undefined : this.customers.get(customerId);
    const o: FakeOrder = {
      id,
      name: `#${this.orderNumber++}`,
      email: customer?.email ?? null,
      created_at: now,
      updated_at: now,
      closed_at: null,
      cancelled_at: null,
      currency: 'USD',
      total_price: '25.00',
      financial_status: 'paid',
      fulfillment_status: null,
      customer: customer
        ? {
            id: customer.id,
            email: customer.email,
            first_name: customer.first_name,
            last_name: customer.last_name,
            updated_at: customer.updated_at,
          }
        : null,
      line_items: [
        {
          id: id * 10,
          title: 'Blue mug',
          quantity: 1,
          price: fields.total_price ?? '25.00',
          sku: 'MUG-BLUE',
          product_id: 1,
          variant_id: 2,
        },
      ],
      shipping_address: { address1: '1 Main St', city: 'Ottawa', country: 'Canada' },
      billing_address: { address1: '1 Main St', city: 'Ottawa', country: 'Canada' },
      ...fields,
    };
    this.orders.set(id, o);
    return structuredClone(o);
  }

  updateOrder(id: number, changes: Partial<FakeOrder>): FakeOrder {
    const o = this.orders.get(id);
    if (!o) throw new Error(`no fake order ${id}`);
    Object.assign(o, changes, { updated_at: this.tick() });
    return structuredClone(o);
  }

  // --- faults ---------------------------------------------------------------------------------

  /** The next `times` API calls answer 429 with `Retry-After` (seconds, as Shopify sends it). */
  throttleNext(times: number, retryAfter = '2.0'): void {
    this.faults.push({ status: 429, retryAfter, times, when: () => true });
  }

  /** The next `times` calls matching `when` answer `status` (with Retry-After when given). */
  failWhen(when: Fault['when'], opts: { status?: number; times?: number; retryAfter?: string } = {}): void {
    this.faults.push({
      status: opts.status ?? 503,
      retryAfter: opts.retryAfter,
      times: opts.times ?? 1,
      when,
    });
  }

  clearFaults(): void {
    this.faults = [];
    this.down = false;
    this.delayMs = 0;
  }

  count(filter: (r: RecordedRequest) => boolean = () => true): number {
    return this.requests.filter(filter).length;
  }

  // --- HTTP -----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    const record = (status: number) =>
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query, status, at: Date.now() });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };

    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (res.destroyed) return;

    const match = apiPath.exec(url.pathname);
    if (!match) return send(404, { errors: 'Not Found' });
    if (req.headers['x-shopify-access-token'] !== this.accessToken) {
      return send(401, {
        errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
      });
    }
    const callLimit = this.drip();
    if (callLimit === null) {
      return send(
        429,
        {
          errors:
            'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
        },
        {
          'Retry-After': this.bucketRetryAfter,
          'X-Shopify-Shop-Api-Call-Limit': `${this.bucketSize}/${this.bucketSize}`,
        },
      );
    }
    const limitHeader = { 'X-Shopify-Shop-Api-Call-Limit': callLimit };
    const resource = match[2] ?? '';
    const fault = this.faults.find((f) => f.times > 0 && f.when({ path: resource, query }));
    if (fault) {
      fault.times--;
      return send(
        fault.status,
        {
          errors:
            fault.status === 429 ? 'Exceeded 2 calls per second for api client.' : 'Internal Server Error',
        },
        {
          ...limitHeader,
          ...(fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {}),
        },
      );
    }
    if (this.down) return send(503, { errors: 'Service Unavailable' }, limitHeader);
    if (req.method !== 'GET') return send(405, { errors: 'Method not allowed' }, limitHeader);

    const linkBase = `https://${this.shop}/admin/api/${match[1]}/${resource}.json`;
    let m: RegExpExecArray | null;
    if (resource === 'customers') {
      return this.list('customers', [...this.customers.values()], query, linkBase, send, limitHeader);
    }
    if (resource === 'orders') {
      return this.list('orders', [...this.orders.values()], query, linkBase, send, limitHeader, (rows, f) =>
        this.filterOrders(rows, f.status),
      );
    }
    if (resource === 'customers/count') {
      return send(
        200,
        { count: this.since([...this.customers.values()], query.updated_at_min).length },
        limitHeader,
      );
    }
    if (resource === 'orders/count') {
      const orders = this.filterOrders([...this.orders.values()], query.status);
      return send(200, { count: this.since(orders, query.updated_at_min).length }, limitHeader);
    }
    if ((m = /^customers\/(\d+)\/orders$/.exec(resource))) {
      const id = Number(m[1]);
      if (!this.customers.has(id)) return send(404, { errors: 'Not Found' }, limitHeader);
      const orders = this.filterOrders(
        [...this.orders.values()].filter((o) => o.customer?.id === id),
        query.status,
      ).sort((a, b) => b.id - a.id);
      const limit = Number(query.limit ?? 50);
      return send(200, { orders: orders.slice(0, limit) }, limitHeader);
    }
    return send(404, { errors: 'Not Found' }, limitHeader);
  }

  private list<T extends { id: number; updated_at: string }>(
    key: 'customers' | 'orders',
    all: T[],
    query: Record<string, string>,
    linkBase: string,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
    limitHeader: Record<string, string>,
    select: (rows: T[], filters: Record<string, string>) => T[] = (rows) => rows,
  ): void {
    const limit = Number(query.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 250) {
      return send(400, { errors: { limit: ['must be between 1 and 250'] } }, limitHeader);
    }
    let filters: Record<string, string>;
    let afterId = 0;
    if (query.page_info !== undefined) {
      const extra = Object.keys(query).filter((k) => !['page_info', 'limit', 'fields'].includes(k));
      if (extra.length > 0) {
        return send(
          400,
          { errors: { page_info: [`Unexpected parameter(s) with page_info: ${extra.join(', ')}`] } },
          limitHeader,
        );
      }
      const cursor = decodeCursor(query.page_info, key);
      if (!cursor) return send(400, { errors: { page_info: ['Invalid value.'] } }, limitHeader);
      filters = cursor.filters;
      afterId = cursor.afterId;
    } else {
      filters = Object.fromEntries(
        Object.entries(query).filter(([k]) => ['updated_at_min', 'status'].includes(k)),
      );
    }
    const matching = this.since(select(all, filters), filters.updated_at_min)
      .filter((r) => r.id > afterId)
      .sort((a, b) => a.id - b.id);
    const page = matching.slice(0, limit);
    const last = page[page.length - 1];
    const links: string[] = [];
    if (afterId > 0) {
      links.push(`<${linkBase}?limit=${limit}&page_info=${encodeCursor(key, filters, 0)}>; rel="previous"`);
    }
    if (matching.length > limit && last) {
      links.push(`<${linkBase}?limit=${limit}&page_info=${encodeCursor(key, filters, last.id)}>; rel="next"`);
    }
    send(200, { [key]: page }, { ...limitHeader, ...(links.length > 0 ? { Link: links.join(', ') } : {}) });
  }

  private since<T extends { updated_at: string }>(rows: T[], updatedAtMin: string | undefined): T[] {
    if (!updatedAtMin) return rows;
    const min = Date.parse(updatedAtMin);
    return rows.filter((r) => Date.parse(r.updated_at) >= min);
  }

  private filterOrders(orders: FakeOrder[], status = 'open'): FakeOrder[] {
    if (status === 'any') return orders;
    if (status === 'cancelled') return orders.filter((o) => o.cancelled_at !== null);
    if (status === 'closed') return orders.filter((o) => o.closed_at !== null);
    return orders.filter((o) => o.cancelled_at === null && o.closed_at === null);
  }

  /** Leaky bucket: answers the call-limit header value, or null when the call overflows. */
  private drip(): string | null {
    const now = Date.now();
    if (this.startFull) {
      this.startFull = false;
      this.bucket = { level: this.bucketSize, at: now };
    }
    this.bucket.level = Math.max(0, this.bucket.level - ((now - this.bucket.at) / 1000) * this.leakPerSecond);
    this.bucket.at = now;
    if (this.bucket.level + 1 > this.bucketSize) return null;
    this.bucket.level += 1;
    const size = Number.isFinite(this.bucketSize) ? this.bucketSize : 40;
    return `${Math.min(Math.ceil(this.bucket.level), size)}/${size}`;
  }
}

function encodeCursor(key: string, filters: Record<string, string>, afterId: number): string {
  return Buffer.from(JSON.stringify({ key, filters, afterId })).toString('base64url');
}

function decodeCursor(
  value: string,
  key: string,
): { filters: Record<string, string>; afterId: number } | null {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as {
      key?: string;
      filters?: Record<string, string>;
      afterId?: number;
    };
    if (parsed.key !== key || typeof parsed.afterId !== 'number' || typeof parsed.filters !== 'object')
      return null;
    return { filters: parsed.filters, afterId: parsed.afterId };
  } catch {
    return null;
  }
}
