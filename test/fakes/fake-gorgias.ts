import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Gorgias speaking the REST protocol our client uses (see shared/PROTOCOLS.md):
 * HTTP Basic auth, cursor paging (`meta.next_cursor`), tickets and messages, a sliding-window
 * limit (40 per 20 s by default, configurable so tests run fast) answered with 429 +
 * `Retry-after` (seconds), and "HTTP integrations" that POST to our webhooks when tickets and
 * messages are created. Every request is recorded so tests can assert on what we sent, how
 * fast, and whether we respected Retry-after.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: number;
  status: number;
}

export interface FakeCustomer {
  id: number;
  email: string | null;
  name: string | null;
}

export interface FakeMessage {
  id: number;
  ticket_id: number;
  external_id: string | null;
  public: boolean;
  channel: string;
  via: string;
  from_agent: boolean;
  sender: { id: number; email: string | null; name: string | null };
  receiver: unknown;
  source: unknown;
  subject: string | null;
  body_text: string | null;
  body_html: string | null;
  attachments: unknown[];
  created: Date;
  sent: Date | null;
}

export interface FakeTicket {
  id: number;
  external_id: string | null;
  status: 'open' | 'closed';
  priority: string;
  channel: string;
  via: string;
  subject: string | null;
  customer: FakeCustomer | null;
  tags: Array<{ id: number; name: string }>;
  created: Date;
  updated: Date;
  closed: Date | null;
  messages: FakeMessage[];
}

export interface SeedMessage {
  fromAgent?: boolean;
  internal?: boolean;
  body?: string;
  html?: string;
  at?: Date;
  channel?: string;
  externalId?: string;
}

export interface SeedTicket {
  subject?: string | null;
  status?: 'open' | 'closed';
  priority?: string;
  customer?: { email?: string | null; name?: string | null } | null;
  tags?: string[];
  created?: Date;
  closed?: Date;
  messages?: SeedMessage[];
}

export interface HttpIntegration {
  trigger: 'ticket-created' | 'ticket-message-created';
  url: string;
  headers: Record<string, string>;
  /** `ids` sends only ids and status (the README's minimal template); `full` adds the message. */
  template?: 'ids' | 'full';
}

export interface Delivery {
  trigger: string;
  url: string;
  body: unknown;
  status: number | null;
}

const API_USER = { id: 1, email: 'api-user@acme.example', name: 'API user' };

/** Gorgias' datetime format: microseconds and an explicit offset. */
export const gorgiasDate = (d: Date) => `${d.toISOString().slice(0, 23)}417+00:00`;

export class FakeGorgias {
  readonly email: string;
  readonly apiKey: string;
  limit: number;
  windowMs: number;
  readonly requests: RecordedRequest[] = [];
  readonly deliveries: Delivery[] = [];
  readonly integrations: HttpIntegration[] = [];
  /** Requests that arrived while a Retry-after we sent was still running. */
  retryAfterViolations = 0;
  /**
   * Holds back the answer to a POST after the object exists (and its webhooks went out), as a
   * slow network does: the webhook for an object we created can then beat the answer to us.
   */
  postAnswerDelayMs = 0;
  url = '';

  private server?: Server;
  private readonly tickets = new Map<number, FakeTicket>();
  private readonly customers = new Map<number, FakeCustomer>();
  private accepted: number[] = [];
  private blockedUntil = 0;
  private failures: Array<{
    match: (r: { method: string; path: string }) => boolean;
    left: number;
    status: number;
  }> = [];
  private readonly pendingDeliveries = new Set<Promise<void>>();
  private ids = { ticket: 1000, message: 50000, customer: 7000, tag: 300 };

  constructor(opts: { email?: string; apiKey?: string; limit?: number; windowMs?: number } = {}) {
    this.email = opts.email ?? API_USER.email;
    this.apiKey = opts.apiKey ?? 'fake-gorgias-key';
    this.limit = opts.limit ?? 40;
    this.windowMs = opts.windowMs ?? 20_000;
  }

  get apiBase(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err) }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await this.settled();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- test helpers (not counted as API requests) ----

  seedTicket(seed: SeedTicket = {}): FakeTicket {
    const created = seed.created ?? new Date(Date.now() - 86_400_000 + this.tickets.size * 1000);
    const ticket: FakeTicket = {
      id: ++this.ids.ticket,
      external_id: null,
      status: seed.status ?? 'open',
      priority: seed.priority ?? 'normal',
      channel: 'email',
      via: 'email',
      subject: seed.subject === undefined ? `Seeded ticket ${this.ids.ticket}` : seed.subject,
      customer: seed.customer === null ? null : this.customerFor(seed.customer ?? {}),
      tags: (seed.tags ?? []).map((name) => ({ id: ++this.ids.tag, name })),
      created,
      updated: created,
      closed: null,
      messages: [],
    };
    this.tickets.set(ticket.id, ticket);
    (seed.messages ?? [{ body: 'Hello, where is my order?' }]).forEach((m, i) =>
      this.pushMessage(ticket, {
        ...m,
        at: m.at ?? new Date(created.getTime() + (i + 1) * 60_000),
      }),
    );
    if (ticket.status === 'closed') {
      ticket.closed = seed.closed ?? new Date(created.getTime() + 3_600_000);
      ticket.updated = new Date(Math.max(ticket.updated.getTime(), ticket.closed.getTime()));
    }
    return ticket;
  }

  /** Something happening inside Gorgias (an agent or the customer writing): fires integrations. */
  addMessage(ticketId: number, m: SeedMessage): FakeMessage {
    const ticket = this.mustTicket(ticketId);
    const message = this.pushMessage(ticket, { ...m, at: m.at ?? new Date() });
    if (!message.from_agent && ticket.status === 'closed') this.setStatus(ticketId, 'open');
    this.fire('ticket-message-created', ticket, message);
    return message;
  }

  setStatus(ticketId: number, status: 'open' | 'closed'): void {
    const ticket = this.mustTicket(ticketId);
    ticket.status = status;
    ticket.closed = status === 'closed' ? new Date() : null;
    ticket.updated = new Date();
  }

  ticket(id: number): FakeTicket | undefined {
    return this.tickets.get(id);
  }

  allTickets(): FakeTicket[] {
    return [...this.tickets.values()];
  }

  /** Another app using the same account spends `n` requests of the current window. */
  consume(n: number): void {
    const now = Date.now();
    for (let i = 0; i < n; i += 1) this.accepted.push(now);
  }

  /** The next `times` requests matching `match` fail with `status`. */
  failNext(match: (r: { method: string; path: string }) => boolean, times: number, status = 500): void {
    this.failures.push({ match, left: times, status });
  }

  /** The most requests we accepted inside any window of `windowMs`. */
  maxInAnyWindow(): number {
    const t = this.accepted;
    let best = 0;
    let i = 0;
    for (let j = 0; j < t.length; j += 1) {
      while ((t[j] ?? 0) - (t[i] ?? 0) >= this.windowMs) i += 1;
      best = Math.max(best, j - i + 1);
    }
    return best;
  }

  count(method: string, pattern: RegExp): number {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path) && r.status !== 429)
      .length;
  }

  get tooManyRequests(): number {
    return this.requests.filter((r) => r.status === 429).length;
  }

  /** Resolves when every webhook the fake started sending has been answered. */
  async settled(): Promise<void> {
    while (this.pendingDeliveries.size > 0) await Promise.all([...this.pendingDeliveries]);
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readJson(req);
    const now = Date.now();
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      at: now,
      status: 0,
    };
    this.requests.push(record);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };

    const expected = `Basic ${Buffer.from(`${this.email}:${this.apiKey}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(401, { error: { msg: 'Unauthorized' } });

    if (now < this.blockedUntil) this.retryAfterViolations += 1;
    this.accepted = this.accepted.filter((t) => t > now - this.windowMs);
    if (this.accepted.length >= this.limit) {
      const oldest = this.accepted[0] ?? now;
      const seconds = Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
      this.blockedUntil = Math.max(this.blockedUntil, now + seconds * 1000);
      return send(
        429,
        { error: { msg: 'Too many requests' } },
        { 'Retry-after': String(seconds), 'X-Gorgias-Account-Api-Call-Limit': `${this.limit}/${this.limit}` },
      );
    }
    this.accepted.push(now);
    const callLimit = { 'X-Gorgias-Account-Api-Call-Limit': `${this.accepted.length}/${this.limit}` };

    const failure = this.failures.find(
      (f) => f.left > 0 && f.match({ method: record.method, path: record.path }),
    );
    if (failure) {
      failure.left -= 1;
      return send(failure.status, { error: { msg: 'Injected failure' } }, callLimit);
    }

    const reply = this.route(record.method, url, body);
    if (record.method === 'POST' && this.postAnswerDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.postAnswerDelayMs));
    }
    return send(reply.status, reply.body, callLimit);
  }

  private route(method: string, url: URL, body: unknown): { status: number; body: unknown } {
    const parts = url.pathname.replace(/\/+$/, '').split('/').slice(1); // ['api', 'tickets', …]
    if (parts[0] !== 'api' || parts[1] !== 'tickets') return notFound();
    const ticketId = parts[2] ? Number(parts[2]) : null;
    if (parts.length === 2) {
      if (method === 'GET') return this.listTickets(url.searchParams);
      if (method === 'POST') return this.createTicket(body);
    }
    if (ticketId === null || !Number.isInteger(ticketId)) return notFound();
    const ticket = this.tickets.get(ticketId);
    if (!ticket) return notFound();
    if (parts.length === 3) {
      if (method === 'GET') return { status: 200, body: this.ticketJson(ticket, true) };
      if (method === 'PUT') return this.updateTicket(ticket, body);
    }
    if (parts[3] === 'messages') {
      if (parts.length === 4 && method === 'GET') return this.listMessages(ticket, url.searchParams);
      if (parts.length === 4 && method === 'POST') return this.createMessage(ticket, body);
      if (parts.length === 5 && method === 'GET') {
        const m = ticket.messages.find((x) => x.id === Number(parts[4]));
        return m ? { status: 200, body: this.messageJson(m) } : notFound();
      }
    }
    return notFound();
  }

  private listTickets(q: URLSearchParams) {
    const limit = q.has('limit') ? Number(q.get('limit')) : 30;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return badRequest({ limit: ['Must be 1-100'] });
    const desc = (q.get('order_by') ?? 'created_datetime:desc') !== 'created_datetime:asc';
    const key = (t: FakeTicket) => [t.created.getTime(), t.id] as const;
    const cmp = (a: FakeTicket, b: FakeTicket) => {
      const [ac, ai] = key(a);
      const [bc, bi] = key(b);
      return (ac - bc || ai - bi) * (desc ? -1 : 1);
    };
    let rows = [...this.tickets.values()].sort(cmp);
    const cursor = q.get('cursor');
    if (cursor) {
      const after = decodeCursor(cursor);
      if (!after) return badRequest({ cursor: ['Invalid cursor'] });
      rows = rows.filter((t) => {
        const [c, id] = key(t);
        return desc
          ? c < after.c || (c === after.c && id < after.id)
          : c > after.c || (c === after.c && id > after.id);
      });
    }
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next =
      rows.length > limit && last ? encodeCursor({ c: last.created.getTime(), id: last.id }) : null;
    return {
      status: 200,
      body: {
        data: page.map((t) => this.ticketJson(t, false)),
        object: 'list',
        uri: `/api/tickets?limit=${limit}`,
        meta: { prev_cursor: cursor ? 'prev' : null, next_cursor: next },
      },
    };
  }

  private listMessages(ticket: FakeTicket, q: URLSearchParams) {
    const limit = q.has('limit') ? Number(q.get('limit')) : 30;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return badRequest({ limit: ['Must be 1-100'] });
    let rows = [...ticket.messages].sort((a, b) => a.created.getTime() - b.created.getTime() || a.id - b.id);
    const cursor = q.get('cursor');
    if (cursor) {
      const after = decodeCursor(cursor);
      if (!after) return badRequest({ cursor: ['Invalid cursor'] });
      rows = rows.filter(
        (m) => m.created.getTime() > after.c || (m.created.getTime() === after.c && m.id > after.id),
      );
    }
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next =
      rows.length > limit && last ? encodeCursor({ c: last.created.getTime(), id: last.id }) : null;
    return {
      status: 200,
      body: {
        data: page.map((m) => this.messageJson(m)),
        object: 'list',
        uri: `/api/tickets/${ticket.id}/messages`,
        meta: { prev_cursor: null, next_cursor: next },
      },
    };
  }

  private createTicket(body: unknown) {
    const b = asRecord(body);
    const messages = b.messages;
    if (!Array.isArray(messages) || messages.length < 1 || messages.length > 500) {
      return badRequest({ messages: ['Length must be between 1 and 500.'] });
    }
    for (const m of messages) {
      const problem = messageProblem(asRecord(m));
      if (problem) return badRequest({ messages: [problem] });
    }
    const customerRef = asRecord(b.customer);
    const customer = this.resolvePerson(customerRef);
    if (!customer) return badRequest({ customer: ['A customer (id or email) is required.'] });
    const status = b.status ?? 'open';
    if (status !== 'open' && status !== 'closed') return badRequest({ status: ['Must be open or closed.'] });
    const now = new Date();
    const ticket: FakeTicket = {
      id: ++this.ids.ticket,
      external_id: typeof b.external_id === 'string' ? b.external_id : null,
      status,
      priority: 'normal',
      channel: typeof b.channel === 'string' ? b.channel : 'api',
      via: 'api',
      subject: typeof b.subject === 'string' ? b.subject : null,
      customer,
      tags: (Array.isArray(b.tags) ? b.tags : []).map((t) => ({
        id: ++this.ids.tag,
        name: String(asRecord(t).name),
      })),
      created: now,
      updated: now,
      closed: status === 'closed' ? now : null,
      messages: [],
    };
    this.tickets.set(ticket.id, ticket);
    const created = messages.map((m) => this.storeMessage(ticket, asRecord(m)));
    this.fire('ticket-created', ticket, null);
    for (const m of created) this.fire('ticket-message-created', ticket, m);
    return { status: 201, body: this.ticketJson(ticket, true) };
  }

  private updateTicket(ticket: FakeTicket, body: unknown) {
    const b = asRecord(body);
    if (b.status !== undefined) {
      if (b.status !== 'open' && b.status !== 'closed')
        return badRequest({ status: ['Must be open or closed.'] });
      ticket.status = b.status;
      ticket.closed = b.status === 'closed' ? new Date() : null;
    }
    if (typeof b.subject === 'string') ticket.subject = b.subject;
    ticket.updated = new Date();
    return { status: 200, body: this.ticketJson(ticket, false) };
  }

  private createMessage(ticket: FakeTicket, body: unknown) {
    const b = asRecord(body);
    const problem = messageProblem(b);
    if (problem) return badRequest({ message: [problem] });
    const message = this.storeMessage(ticket, b);
    if (!message.from_agent && ticket.status === 'closed') {
      ticket.status = 'open';
      ticket.closed = null;
    }
    this.fire('ticket-message-created', ticket, message);
    return { status: 201, body: this.messageJson(message) };
  }

  // ---- store ----

  private customerFor(c: { email?: string | null; name?: string | null }): FakeCustomer {
    const email = c.email === undefined ? `customer${this.ids.customer + 1}@shop.example` : c.email;
    const existing = email
      ? [...this.customers.values()].find((x) => x.email?.toLowerCase() === email.toLowerCase())
      : undefined;
    if (existing) return existing;
    const customer = { id: ++this.ids.customer, email, name: c.name ?? 'Seeded Customer' };
    this.customers.set(customer.id, customer);
    return customer;
  }

  private resolvePerson(ref: Record<string, unknown>): FakeCustomer | null {
    if (typeof ref.id === 'number') return this.customers.get(ref.id) ?? null;
    if (typeof ref.email === 'string') {
      return this.customerFor({ email: ref.email, name: typeof ref.name === 'string' ? ref.name : null });
    }
    return null;
  }

  private pushMessage(ticket: FakeTicket, m: SeedMessage & { at: Date }): FakeMessage {
    const internal = m.internal ?? false;
    const fromAgent = internal || (m.fromAgent ?? false);
    const sender = fromAgent
      ? API_USER
      : {
          id: ticket.customer?.id ?? 0,
          email: ticket.customer?.email ?? null,
          name: ticket.customer?.name ?? null,
        };
    const message: FakeMessage = {
      id: ++this.ids.message,
      ticket_id: ticket.id,
      external_id: m.externalId ?? null,
      public: !internal,
      channel: internal ? 'internal-note' : (m.channel ?? 'email'),
      via: 'email',
      from_agent: fromAgent,
      sender,
      receiver: null,
      source: null,
      subject: ticket.subject,
      body_text: m.body ?? (m.html ? null : 'Hello'),
      body_html: m.html ?? null,
      attachments: [],
      created: m.at,
      sent: m.at,
    };
    ticket.messages.push(message);
    ticket.updated = new Date(Math.max(ticket.updated.getTime(), m.at.getTime(), Date.now()));
    return message;
  }

  private storeMessage(ticket: FakeTicket, b: Record<string, unknown>): FakeMessage {
    const fromAgent = b.from_agent === true;
    const senderRef = asRecord(b.sender);
    const sender = fromAgent
      ? { ...API_USER, email: typeof senderRef.email === 'string' ? senderRef.email : API_USER.email }
      : (() => {
          const c = this.resolvePerson(senderRef) ?? ticket.customer;
          return { id: c?.id ?? 0, email: c?.email ?? null, name: c?.name ?? null };
        })();
    const now = new Date();
    const message: FakeMessage = {
      id: ++this.ids.message,
      ticket_id: ticket.id,
      external_id: typeof b.external_id === 'string' ? b.external_id : null,
      public: b.channel !== 'internal-note',
      channel: String(b.channel),
      via: String(b.via),
      from_agent: fromAgent,
      sender,
      receiver: b.receiver ?? null,
      source: b.source ?? null,
      subject: typeof b.subject === 'string' ? b.subject : null,
      body_text: typeof b.body_text === 'string' ? b.body_text : null,
      body_html: typeof b.body_html === 'string' ? b.body_html : null,
      attachments: Array.isArray(b.attachments) ? b.attachments : [],
      created: now,
      // Without sent_datetime Gorgias sends the message; we mark it sent straight away.
      sent: typeof b.sent_datetime === 'string' ? new Date(b.sent_datetime) : now,
    };
    ticket.messages.push(message);
    ticket.updated = now;
    return message;
  }

  private mustTicket(id: number): FakeTicket {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`fake Gorgias has no ticket ${id}`);
    return t;
  }

  private ticketJson(t: FakeTicket, withMessages: boolean) {
    return {
      id: t.id,
      uri: `/api/tickets/${t.id}/`,
      external_id: t.external_id,
      status: t.status,
      priority: t.priority,
      channel: t.channel,
      via: t.via,
      from_agent: false,
      spam: false,
      customer: t.customer,
      assignee_user: null,
      subject: t.subject,
      tags: t.tags,
      ...(withMessages ? { messages: t.messages.map((m) => this.messageJson(m)) } : {}),
      created_datetime: gorgiasDate(t.created),
      updated_datetime: gorgiasDate(t.updated),
      closed_datetime: t.closed ? gorgiasDate(t.closed) : null,
    };
  }

  private messageJson(m: FakeMessage) {
    return {
      id: m.id,
      uri: `/api/tickets/${m.ticket_id}/messages/${m.id}/`,
      ticket_id: m.ticket_id,
      external_id: m.external_id,
      public: m.public,
      channel: m.channel,
      via: m.via,
      source: m.source,
      sender: m.sender,
      receiver: m.receiver,
      from_agent: m.from_agent,
      subject: m.subject,
      body_text: m.body_text,
      body_html: m.body_html,
      attachments: m.attachments,
      created_datetime: gorgiasDate(m.created),
      sent_datetime: m.sent ? gorgiasDate(m.sent) : null,
    };
  }

  // ---- HTTP integrations (webhooks out) ----

  private fire(trigger: HttpIntegration['trigger'], ticket: FakeTicket, message: FakeMessage | null): void {
    for (const integration of this.integrations.filter((i) => i.trigger === trigger)) {
      const body = renderTemplate(integration.template ?? 'ids', ticket, message);
      const delivery: Delivery = { trigger, url: integration.url, body, status: null };
      this.deliveries.push(delivery);
      const sending = fetch(integration.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...integration.headers },
        body: JSON.stringify(body),
      })
        .then((r) => {
          delivery.status = r.status;
        })
        .catch(() => {
          delivery.status = -1;
        })
        .finally(() => this.pendingDeliveries.delete(sending));
      this.pendingDeliveries.add(sending);
    }
  }
}

/** What the README's templates render to: ids and status, plus the message when `full`. */
function renderTemplate(template: 'ids' | 'full', t: FakeTicket, m: FakeMessage | null): unknown {
  const ticket = { id: t.id, status: t.status, updated_datetime: gorgiasDate(t.updated) };
  if (!m) return { ticket };
  if (template === 'ids') return { ticket, message: { id: m.id } };
  return {
    ticket,
    message: {
      id: m.id,
      channel: m.channel,
      // Jinja renders Python booleans as True/False.
      from_agent: m.from_agent ? 'True' : 'False',
      public: m.public ? 'True' : 'False',
      body_text: m.body_text ?? 'None',
      body_html: m.body_html ?? 'None',
      created_datetime: gorgiasDate(m.created),
      sent_datetime: m.sent ? gorgiasDate(m.sent) : 'None',
    },
  };
}

function messageProblem(m: Record<string, unknown>): string | null {
  if (typeof m.channel !== 'string') return 'channel is required';
  if (typeof m.via !== 'string') return 'via is required';
  if (typeof m.from_agent !== 'boolean') return 'from_agent is required';
  const sender = asRecord(m.sender);
  if (typeof sender.id !== 'number' && typeof sender.email !== 'string')
    return 'sender (id or email) is required';
  if (typeof m.body_text !== 'string' && typeof m.body_html !== 'string')
    return 'body_text or body_html is required';
  return null;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const notFound = () => ({ status: 404, body: { error: { msg: 'Resource not found' } } });
const badRequest = (data: Record<string, string[]>) => ({
  status: 400,
  body: { error: { msg: 'Validation error', data } },
});

function encodeCursor(c: { c: number; id: number }): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): { c: number; id: number } | null {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { c?: unknown; id?: unknown };
    return typeof v.c === 'number' && typeof v.id === 'number' ? { c: v.c, id: v.id } : null;
  } catch {
    return null;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
