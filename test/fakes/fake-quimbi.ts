import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Quimbi: a real HTTP server speaking the v1 contract (shared/INTELLIGENCE.md),
 * deterministic (the same input always gets the same answer), with switches to make it slow,
 * fail a share of calls, rate limit (429 + Retry-After) or hang. It records every request so
 * tests can assert what reached it (and whether the client gave up on it).
 *
 * Used by the tests, by the demo (`QUIMBI_FAKE=true scripts/start`, through src/fake-quimbi.ts)
 * and by the benchmarks. When started with `control: true` it also accepts
 * `POST /__fake/behaviour` (a partial FakeQuimbiBehaviour), `POST /__fake/reset` and
 * `GET /__fake/requests`, so the demo can be switched to "down" with curl.
 */

export type FakeEndpoint = 'draft' | 'dna' | 'churn' | 'categorize' | 'health' | 'unknown';

export interface RecordedRequest {
  endpoint: FakeEndpoint;
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
  receivedAt: number;
  /** The HTTP status sent, or undefined while pending / when never answered. */
  status?: number;
  /** The client closed the connection before we answered (it timed out and aborted). */
  aborted: boolean;
}

export interface FakeQuimbiBehaviour {
  /** Added before every answer. */
  latencyMs: number;
  /** Share of calls (0..1) answered with `errorStatus`, spread evenly and deterministically. */
  errorRate: number;
  /** Answer the next n calls with `errorStatus` (then back to `errorRate`). */
  failNext: number;
  errorStatus: number;
  /** Never answer (until the client gives up or the server stops). */
  hang: boolean;
  /** Answer 429 with this Retry-After (seconds) to the next `calls` calls (all, when omitted). */
  rateLimit: { retryAfterSeconds: number; calls?: number } | null;
  /** Customer ids the service does not know: 404 on their DNA and churn. */
  unknownCustomers: string[];
}

export interface FakeQuimbiOptions {
  apiKey?: string;
  port?: number;
  host?: string;
  control?: boolean;
  behaviour?: Partial<FakeQuimbiBehaviour>;
}

const defaults = (): FakeQuimbiBehaviour => ({
  latencyMs: 0,
  errorRate: 0,
  failNext: 0,
  errorStatus: 503,
  hang: false,
  rateLimit: null,
  unknownCustomers: [],
});

export class FakeQuimbi {
  readonly requests: RecordedRequest[] = [];
  behaviour: FakeQuimbiBehaviour;
  readonly apiKey: string;
  private served = 0;
  private readonly server: Server;
  private url_ = '';

  private constructor(private readonly opts: FakeQuimbiOptions) {
    this.apiKey = opts.apiKey ?? 'fake-quimbi-key';
    this.behaviour = { ...defaults(), ...opts.behaviour };
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  static async start(opts: FakeQuimbiOptions = {}): Promise<FakeQuimbi> {
    const fake = new FakeQuimbi(opts);
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(opts.port ?? 0, host, () => resolve());
    });
    fake.url_ = `http://${host}:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  get url(): string {
    return this.url_;
  }

  /** Changes some switches; the others keep their value. */
  set(behaviour: Partial<FakeQuimbiBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...behaviour };
  }

  /** Healthy again, and forgets what it received. */
  reset(): void {
    this.behaviour = { ...defaults(), ...this.opts.behaviour };
    this.requests.length = 0;
    this.served = 0;
  }

  requestsTo(endpoint: FakeEndpoint): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = await readBody(req);
    if (this.opts.control && path.startsWith('/__fake/'))
      return this.control(req.method ?? 'GET', path, raw, res);

    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const record: RecordedRequest = {
      endpoint: endpointOf(req.method ?? 'GET', path),
      method: req.method ?? 'GET',
      path,
      authorization: req.headers.authorization,
      body,
      receivedAt: Date.now(),
      aborted: false,
    };
    this.requests.push(record);
    // A long demo or benchmark run keeps only the latest requests.
    if (this.requests.length > 20_000) this.requests.splice(0, 10_000);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });

    const b = this.behaviour;
    if (b.hang) return; // the client's timeout (or stop()) ends it
    if (b.latencyMs > 0) await new Promise((r) => setTimeout(r, b.latencyMs));
    if (res.destroyed) return;

    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return send(401, { error: 'invalid api key' });
    }
    if (b.rateLimit && (b.rateLimit.calls === undefined || b.rateLimit.calls > 0)) {
      const retryAfter = b.rateLimit.retryAfterSeconds;
      if (b.rateLimit.calls !== undefined) b.rateLimit = { ...b.rateLimit, calls: b.rateLimit.calls - 1 };
      return send(429, { error: 'rate limited' }, { 'Retry-After': String(retryAfter) });
    }
    if (b.failNext > 0) {
      b.failNext -= 1;
      return send(b.errorStatus, { error: 'internal error' });
    }
    const n = this.served++;
    if (b.errorRate > 0 && Math.floor((n + 1) * b.errorRate) > Math.floor(n * b.errorRate)) {
      return send(b.errorStatus, { error: 'internal error' });
    }

    const answer = respond(record.endpoint, req.method ?? 'GET', path, body, b);
    send(answer.status, answer.body);
  }

  private control(method: string, path: string, raw: string, res: ServerResponse): void {
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (method === 'POST' && path === '/__fake/behaviour') {
      try {
        this.set(JSON.parse(raw || '{}') as Partial<FakeQuimbiBehaviour>);
        return json(200, this.behaviour);
      } catch {
        return json(400, { error: 'body must be JSON' });
      }
    }
    if (method === 'POST' && path === '/__fake/reset') {
      this.reset();
      return json(200, this.behaviour);
    }
    if (method === 'GET' && path === '/__fake/requests') {
      return json(
        200,
        this.requests.map(({ endpoint, method: m, path: p, status, aborted, receivedAt }) => ({
          endpoint,
          method: m,
          path: p,
          status,
          aborted,
          receivedAt,
        })),
      );
    }
    json(404, { error: 'unknown control route' });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

const customerPath = /^\/api\/ml\/customers\/([^/]+)\/(dna|churn)$/;

function endpointOf(method: string, path: string): FakeEndpoint {
  if (method === 'POST' && path === '/api/ml/draft') return 'draft';
  if (method === 'POST' && path === '/api/ml/categorize') return 'categorize';
  if (method === 'GET' && path === '/api/ml/health') return 'health';
  const m = method === 'GET' ? customerPath.exec(path) : null;
  if (m) return m[2] === 'dna' ? 'dna' : 'churn';
  return 'unknown';
}

/** FNV-1a: a stable number from a string, so answers are deterministic. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): v is string => typeof v === 'string';

const greetings: Record<string, string> = { en: 'Hi', es: 'Hola', fr: 'Bonjour', de: 'Hallo' };
const archetypes = [
  'loyal_enthusiast',
  'bargain_hunter',
  'occasional_gifter',
  'new_explorer',
  'at_risk_regular',
];
const categoryWords: Record<string, string[]> = {
  shipping: ['shipping', 'delivery', 'tracking', 'parcel', 'package', 'arrive', 'order'],
  returns: ['return', 'refund', 'exchange', 'damaged', 'broken'],
  billing: ['charge', 'charged', 'invoice', 'payment', 'card', 'billing'],
  account: ['login', 'password', 'account'],
  technical: ['error', 'bug', 'crash', 'app', 'website'],
};

function respond(
  endpoint: FakeEndpoint,
  _method: string,
  path: string,
  body: unknown,
  b: FakeQuimbiBehaviour,
): { status: number; body: unknown } {
  switch (endpoint) {
    case 'health':
      return { status: 200, body: { status: 'ok' } };
    case 'draft': {
      const ticket = isObject(body) ? body.ticket : undefined;
      const customer = isObject(body) ? body.customer : undefined;
      if (
        !isObject(ticket) ||
        !str(ticket.id) ||
        !str(ticket.subject) ||
        !Array.isArray(ticket.messages) ||
        !isObject(customer) ||
        !str(customer.id)
      ) {
        return {
          status: 422,
          body: { error: 'ticket {id, subject, messages} and customer {id} are required' },
        };
      }
      const language = str(customer.language) ? (customer.language.split('-')[0] ?? 'en') : 'en';
      const name = str(customer.name) ? customer.name.split(' ')[0] : 'there';
      const orders = isObject(body) && Array.isArray(body.orders) ? body.orders : [];
      const firstOrder: unknown = orders[0];
      const orderLine =
        isObject(firstOrder) && str(firstOrder.name) ? ` I can see your order ${firstOrder.name}.` : '';
      return {
        status: 200,
        body: {
          draft: `${greetings[language] ?? 'Hi'} ${name}, thanks for your message about "${ticket.subject}".${orderLine} We are on it and will update you shortly.`,
          confidence: 0.87,
          language,
        },
      };
    }
    case 'dna':
    case 'churn': {
      const id = decodeURIComponent(customerPath.exec(path)?.[1] ?? '');
      if (b.unknownCustomers.includes(id)) return { status: 404, body: { error: 'unknown customer' } };
      const h = stableHash(id);
      if (endpoint === 'dna') {
        return {
          status: 200,
          body: {
            archetype: archetypes[h % archetypes.length],
            segments: h % 2 === 0 ? ['high_engagement'] : ['price_sensitive'],
            traits: { engagement: (h % 100) / 100, loyalty: ((h >>> 8) % 100) / 100 },
            lifetimeValue: 100 + (h % 1900),
            currency: 'USD',
          },
        };
      }
      const probability = ((h >>> 4) % 100) / 100;
      return {
        status: 200,
        body: {
          probability,
          riskLevel: probability >= 0.6 ? 'high' : probability >= 0.35 ? 'medium' : 'low',
          drivers: probability >= 0.35 ? ['declining order frequency'] : [],
        },
      };
    }
    case 'categorize': {
      if (!isObject(body) || !str(body.subject) || !str(body.body)) {
        return { status: 422, body: { error: 'subject and body are required' } };
      }
      const words = new Set(`${body.subject} ${body.body}`.toLowerCase().split(/[^a-z]+/));
      const scored = Object.entries(categoryWords)
        .map(([category, list]) => ({ category, hits: list.filter((w) => words.has(w)).length }))
        .sort((x, y) => y.hits - x.hits || x.category.localeCompare(y.category));
      const best = scored[0];
      const category = best && best.hits > 0 ? best.category : 'general';
      return {
        status: 200,
        body: {
          category,
          confidence: category === 'general' ? 0.4 : 0.92,
          candidates:
            category === 'general'
              ? [{ category, confidence: 0.4 }]
              : scored
                  .filter((s) => s.hits > 0)
                  .slice(0, 3)
                  .map((s, i) => ({ category: s.category, confidence: i === 0 ? 0.92 : 0.05 })),
        },
      };
    }
    default:
      return { status: 404, body: { error: 'no such route' } };
  }
}
