import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Pool, type PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { AssignmentRepository } from '../src/modules/assignment/assignment.repository';
import { IntelligenceRepository } from '../src/modules/intelligence/intelligence.repository';
import { SlaRepository } from '../src/modules/sla/sla.repository';
import { SlaService } from '../src/modules/sla/sla.service';
import { MessagesRepository } from '../src/modules/tickets/messages.repository';
import { openStatuses, ticketStatuses, type TicketStatus } from '../src/modules/tickets/ticket.types';
import { toTicketDto } from '../src/modules/tickets/tickets.mapper';
import type { TicketEntity } from '../src/modules/tickets/ticket.entity';
import { TicketsRepository } from '../src/modules/tickets/tickets.repository';
import type { ListTicketsInput } from '../src/modules/tickets/tickets.schemas';

/**
 * The baseline the API is measured against: bare node:http + pg, no framework, no auth, no
 * validation, no events, doing the same SQL as the API for the queue and list (scenarios 1 and
 * 2) and create (5) routes. The SQL is not copied: the app's own repositories (and, for create,
 * the SLA and customer-value writes the API makes in the same transaction) run here on a thin
 * adapter that hands their `query(text, params)` calls to pg, so the statements cannot drift.
 * Responses are mapped with the app's own mapper so both send the same bytes.
 */

type Queryable = Pick<Pool, 'query'> | PoolClient;

/** Exposes pg as the `query(text, params) → rows` surface our repositories use. */
function runner(db: Queryable): DataSource & EntityManager {
  const adapter = {
    query: async (text: string, params?: unknown[]) => (await db.query(text, params)).rows,
  };
  return adapter as unknown as DataSource & EntityManager;
}

/** What typeorm's findOneBy(CustomerEntity, {id}) sends, inside the create transaction. */
const customerById = `SELECT id, email, name, phone, shopify_customer_id, language, timezone, communication_channel, tier,
  last_contact_at, created_at, updated_at FROM customers WHERE id = $1 LIMIT 1`;
/** CustomersRepository.touchLastContact. */
const touchLastContact = `UPDATE customers SET last_contact_at = $2 WHERE id = $1 AND (last_contact_at IS NULL OR last_contact_at < $2)`;

interface CreateBody {
  subject: string;
  body?: string;
  customerId: string;
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  channel?: 'email' | 'chat' | 'phone' | 'web' | 'shopify' | 'gorgias' | 'slack';
  tags?: string[];
  category?: string;
  metadata?: Record<string, string>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export function createBaselineServer(pool: Pool): Server {
  const tickets = new TicketsRepository(runner(pool));
  const assignments = new AssignmentRepository(runner(pool));
  const slaService = new SlaService(
    runner(pool),
    new SlaRepository(runner(pool)),
    // Only read by reports and re-targeting, which the baseline never does.
    {
      get: async (id) => {
        const found = await tickets.findById(id);
        if (!found) throw new Error(`no ticket ${id}`);
        return found;
      },
    },
    { warningMinutes: 15, reportTimezone: 'UTC' },
  );
  const sla = slaService.writeHooks();
  /** The `sla` block every ticket response carries, read as the API reads it. */
  const dtos = async (list: TicketEntity[]) => {
    const summaries = await slaService.summariesFor(list);
    return list.map((t) => toTicketDto(t, summaries.get(t.id) ?? null));
  };
  const customerValue = new IntelligenceRepository(runner(pool));

  async function queue(agentId: string, res: ServerResponse): Promise<void> {
    const workload = await assignments.workload(agentId);
    if (!workload) return send(res, 404, { error: 'not found' });
    const page = await tickets.list({
      limit: 25,
      status: [...openStatuses],
      assigneeId: agentId,
      sort: 'smart',
    } as ListTicketsInput);
    send(res, 200, {
      data: await dtos(page.data),
      nextCursor: page.nextCursor,
      workload: { open: workload.open, capacity: workload.capacity },
    });
  }

  async function list(query: URLSearchParams, res: ServerResponse): Promise<void> {
    const status = query.get('status');
    const input = {
      limit: Number(query.get('limit') ?? 25),
      sort: (query.get('sort') ?? 'smart') as ListTicketsInput['sort'],
      ...(status
        ? {
            status: status
              .split(',')
              .filter((s): s is TicketStatus => ticketStatuses.includes(s as TicketStatus)),
          }
        : {}),
      ...(query.get('assigneeId') ? { assigneeId: query.get('assigneeId') as string } : {}),
      ...(query.get('q') ? { q: query.get('q') as string } : {}),
      ...(query.get('cursor') ? { cursor: query.get('cursor') as string } : {}),
    } as ListTicketsInput;
    const page = await tickets.list(input);
    send(res, 200, { data: await dtos(page.data), nextCursor: page.nextCursor });
  }

  async function create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await readJson(req)) as CreateBody;
    const client = await pool.connect();
    const tx = runner(client);
    let created: TicketEntity;
    try {
      await client.query('BEGIN');
      const customer = await client.query<{ id: string }>(customerById, [body.customerId]);
      if (!customer.rows[0]) {
        await client.query('ROLLBACK');
        send(res, 400, { error: 'unknown customer' });
        return;
      }
      const createdAt = new Date();
      const ticketsTx = new TicketsRepository(tx);
      created = await ticketsTx.insert(tx, {
        subject: body.subject,
        status: 'new',
        priority: body.priority ?? 'normal',
        channel: body.channel ?? 'web',
        customerId: body.customerId,
        tags: body.tags ?? [],
        category: body.category ?? null,
        metadata: body.metadata ?? {},
        createdAt,
      });
      await ticketsTx.recordStatusChange(tx, created.id, null, 'new', null, createdAt);
      await sla.afterCreate?.(tx, created);
      await customerValue.applyKnownCustomerValue(tx, created.id, created.customerId);
      if (body.body) {
        const message = await new MessagesRepository(tx).insert(tx, {
          ticketId: created.id,
          authorType: 'customer',
          agentId: null,
          customerId: body.customerId,
          body: body.body,
          bodyHtml: null,
          internal: false,
          attachments: [],
          createdAt,
        });
        await sla.afterMessage?.(tx, created, message);
      }
      await client.query(touchLastContact, [body.customerId, createdAt]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    // As the API does: the response's SLA block is read after the commit.
    send(res, 201, (await dtos([created]))[0]);
  }

  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://baseline');
    let work: Promise<void>;
    if (req.method === 'GET' && url.pathname === '/healthz')
      work = Promise.resolve(send(res, 200, { status: 'ok' }));
    else if (req.method === 'GET' && url.pathname === '/api/tickets') work = list(url.searchParams, res);
    else if (req.method === 'POST' && url.pathname === '/api/tickets') work = create(req, res);
    else if (req.method === 'GET' && /^\/api\/agents\/[^/]+\/queue$/.test(url.pathname))
      work = queue(url.pathname.split('/')[3] ?? '', res);
    else work = Promise.resolve(send(res, 404, { error: 'not found' }));
    work.catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: (err as Error).message });
    });
  });
}

if (require.main === module) {
  const pool = new Pool({
    connectionString: process.env.BASELINE_DATABASE_URL,
    max: Number(process.env.BASELINE_POOL_SIZE ?? 20),
    application_name: 'crm-bench-baseline',
  });
  const server = createBaselineServer(pool);
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
  const stop = () => {
    server.close(() => void pool.end().then(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
