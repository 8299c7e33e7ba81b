import type autocannon from 'autocannon';
import type { Pool } from 'pg';
import { Random } from './random';
import { DUE_PER_TICK, slaTick } from './sla-tick';
import { TextGenerator, categories } from './words';

/** Ids the request generators pick from, loaded from the bench database before the run. */
export interface Pools {
  /** Agents with at least one open ticket. */
  agentIds: string[];
  /** Live tickets, any status, spread over the whole table. */
  ticketIds: string[];
  /** The first 2,000 of `ticketIds`: the read scenario's tickets, read once before it (cached enrichment). */
  readTicketIds: string[];
  /** Live tickets in status `open` (a reply keeps them open). */
  openTicketIds: string[];
  customerIds: string[];
  /** Live unassigned tickets in new/open (auto-assign targets). */
  unassignedIds: string[];
}

export async function loadPools(db: Pool, size = 20_000): Promise<Pools> {
  const ids = async (sql: string, params: unknown[] = []) =>
    (await db.query<{ id: string }>(sql, params)).rows.map((r) => r.id);
  const { rows } = await db.query<{ n: string }>(
    `SELECT reltuples::bigint AS n FROM pg_class WHERE relname = 'tickets'`,
  );
  const total = Math.max(1, Number(rows[0]?.n ?? 1));
  const percent = Math.min(100, ((size * 1.5) / total) * 100);
  const pools: Pools = {
    agentIds: await ids(
      `SELECT assignee_id AS id FROM tickets WHERE status = 'open' AND deleted_at IS NULL AND assignee_id IS NOT NULL
        GROUP BY assignee_id ORDER BY random() LIMIT 500`,
    ),
    ticketIds: await ids(
      `SELECT id FROM tickets TABLESAMPLE BERNOULLI (${percent.toFixed(4)}) WHERE deleted_at IS NULL LIMIT $1`,
      [size],
    ),
    openTicketIds: await ids(
      `SELECT id FROM tickets WHERE status = 'open' AND deleted_at IS NULL ORDER BY random() LIMIT $1`,
      [size],
    ),
    readTicketIds: [],
    customerIds: await ids(`SELECT id FROM customers ORDER BY random() LIMIT 5000`),
    unassignedIds: await ids(
      `SELECT id FROM tickets WHERE status IN ('new', 'open') AND assignee_id IS NULL AND deleted_at IS NULL
        ORDER BY random() LIMIT $1`,
      [size * 2],
    ),
  };
  pools.readTicketIds = pools.ticketIds.slice(0, 2_000);
  for (const [name, list] of Object.entries(pools) as Array<[string, string[]]>) {
    if (list.length === 0 && name !== 'unassignedIds')
      throw new Error(`no ${name} in the bench database: seed it first`);
  }
  return pools;
}

/**
 * Words of varied selectivity over the seeded text (share of 1M tickets that match, measured
 * after seeding; the runner prints the live counts).
 */
export const searchWords = {
  common: ['order', 'refund', 'tracking'],
  medium: ['invoice', 'password', 'damaged package'],
  rare: ['zipper', 'Lumdar', 'xylophone'],
};

export interface HttpScenario {
  kind: 'http';
  id: string;
  title: string;
  /** Also run against the bare node:http + pg baseline. */
  baseline: boolean;
  /** Requests per unit of work reported (10 for a 10-page walk). */
  perUnit?: number;
  unit?: string;
  /** Skip unless the API documents this route (modules merged later), saying `skipReason`. */
  requires?: { method: 'get' | 'post'; path: string };
  skipReason?: string;
  /** Latency target (p95 ms) or throughput target (per second), for the summary. */
  target?: { p95Ms?: number; minRps?: number; minRatio?: number };
  /** Untimed work before the warm-up (e.g. filling caches the scenario is meant to read). */
  prepare?(ctx: PrepareContext): Promise<string>;
  requests(pools: Pools): autocannon.Request[];
}

export interface PrepareContext {
  url: string;
  headers: Record<string, string>;
  pools: Pools;
}

export interface CustomResult {
  summary: string;
  values: Record<string, number>;
}

export interface CustomContext {
  apiEnv: NodeJS.ProcessEnv | null;
  db: Pool;
}

export interface CustomScenario {
  kind: 'custom';
  id: string;
  title: string;
  /** Runs the measurement, or answers why it was skipped. */
  run(ctx: CustomContext): Promise<CustomResult | { skipped: string }>;
}

export type Scenario = HttpScenario | CustomScenario;

type Ctx = { cursor?: string | null; n?: number };

const randomPath = (rng: Random, list: string[], make: (id: string) => string): autocannon.Request => ({
  setupRequest: (req) => ({ ...req, path: make(rng.pick(list)) }),
});

const listPath = '/api/tickets?status=open&sort=smart&limit=25';

function walk(pages: number): autocannon.Request[] {
  const keepCursor = (_status: number, body: string, context: object) => {
    try {
      (context as Ctx).cursor = (JSON.parse(body) as { nextCursor: string | null }).nextCursor;
    } catch {
      (context as Ctx).cursor = null;
    }
  };
  const first: autocannon.Request = { method: 'GET', path: listPath, onResponse: keepCursor };
  const next: autocannon.Request = {
    method: 'GET',
    setupRequest: (req, context) => {
      const cursor = (context as Ctx).cursor;
      return { ...req, path: cursor ? `${listPath}&cursor=${encodeURIComponent(cursor)}` : listPath };
    },
    onResponse: keepCursor,
  };
  return [first, ...Array.from({ length: pages - 1 }, () => next)];
}

/** Prepared bodies, so the load generator spends its time sending rather than composing. */
function bodies(seed: number, count: number): { subjects: string[]; texts: string[]; replies: string[] } {
  const rng = new Random(seed);
  const text = new TextGenerator(rng);
  const subjects: string[] = [];
  const texts: string[] = [];
  const replies: string[] = [];
  for (let i = 0; i < count; i++) {
    const category = rng.pick(categories);
    subjects.push(text.subject(category));
    texts.push(text.customerMessage(category, false));
    replies.push(text.agentMessage(category, 'Bench'));
  }
  return { subjects, texts, replies };
}

export function scenarios(seed = 1): Scenario[] {
  const rng = new Random(seed);
  const prepared = bodies(seed, 500);
  // Each ticket once, across runs: a second auto-assign of the same ticket would measure a 409.
  let nextUnassigned = 0;
  const searchRequests = (words: string[]): autocannon.Request[] => [
    randomPath(rng, words, (q) => `/api/tickets?q=${encodeURIComponent(q)}`),
  ];
  return [
    {
      kind: 'http',
      id: 'queue',
      title: 'GET /api/agents/:id/queue (random agent with open work)',
      baseline: true,
      target: { p95Ms: 15, minRatio: 0.5 },
      requests: (p) => [randomPath(rng, p.agentIds, (id) => `/api/agents/${id}/queue`)],
    },
    {
      kind: 'http',
      id: 'list',
      title: 'GET /api/tickets?status=open&sort=smart&limit=25',
      baseline: true,
      target: { p95Ms: 20, minRatio: 0.5 },
      requests: () => [{ method: 'GET', path: listPath }],
    },
    {
      kind: 'http',
      id: 'list-walk',
      title: 'cursor walk: the same list, 10 pages following nextCursor',
      baseline: true,
      perUnit: 10,
      unit: 'walks',
      target: { p95Ms: 20, minRatio: 0.5 },
      requests: () => walk(10),
    },
    {
      kind: 'http',
      id: 'search-common',
      title: `GET /api/tickets?q= (common words: ${searchWords.common.join(', ')})`,
      baseline: false,
      target: { p95Ms: 50 },
      requests: () => searchRequests(searchWords.common),
    },
    {
      kind: 'http',
      id: 'search-medium',
      title: `GET /api/tickets?q= (medium: ${searchWords.medium.join(', ')})`,
      baseline: false,
      target: { p95Ms: 50 },
      requests: () => searchRequests(searchWords.medium),
    },
    {
      kind: 'http',
      id: 'search-rare',
      title: `GET /api/tickets?q= (rare or absent: ${searchWords.rare.join(', ')})`,
      baseline: false,
      target: { p95Ms: 50 },
      requests: () => searchRequests(searchWords.rare),
    },
    {
      kind: 'http',
      id: 'read',
      title: 'GET /api/tickets/:id (random ticket of 2,000, enrichment cached by a first read)',
      baseline: false,
      target: { p95Ms: 15 },
      prepare: warmReads,
      requests: (p) => [randomPath(rng, p.readTicketIds, (id) => `/api/tickets/${id}`)],
    },
    {
      kind: 'http',
      id: 'create',
      title: 'POST /api/tickets with a first message',
      baseline: true,
      target: { minRps: 1500 },
      requests: (p) => [
        {
          method: 'POST',
          path: '/api/tickets',
          setupRequest: (req) => {
            const i = rng.int(0, prepared.subjects.length - 1);
            return {
              ...req,
              body: JSON.stringify({
                subject: prepared.subjects[i],
                body: prepared.texts[i],
                customerId: rng.pick(p.customerIds),
                priority: rng.pick(['low', 'normal', 'normal', 'high', 'urgent']),
                channel: rng.pick(['email', 'chat', 'web']),
                tags: ['bench'],
                metadata: { source: 'bench' },
              }),
            };
          },
        },
      ],
    },
    {
      kind: 'http',
      id: 'message',
      title: 'POST /api/tickets/:id/messages (agent reply on a random open ticket)',
      baseline: false,
      requests: (p) => [
        {
          method: 'POST',
          setupRequest: (req) => ({
            ...req,
            path: `/api/tickets/${rng.pick(p.openTicketIds)}/messages`,
            body: JSON.stringify({ body: rng.pick(prepared.replies), author: 'agent' }),
          }),
        },
      ],
    },
    {
      kind: 'custom',
      id: 'sla-tick',
      title: `SLA monitor tick duration (${DUE_PER_TICK.toLocaleString('en')} clocks due per tick)`,
      run: slaTick,
    },
    {
      kind: 'http',
      id: 'auto-assign',
      title: 'POST /api/tickets/:id/auto-assign (each request a different unassigned ticket)',
      baseline: false,
      requires: { method: 'post', path: '/api/tickets/{id}/auto-assign' },
      requests: (p) => {
        return [
          {
            method: 'POST',
            setupRequest: (req) => ({
              ...req,
              path: `/api/tickets/${p.unassignedIds[nextUnassigned++ % Math.max(1, p.unassignedIds.length)]}/auto-assign`,
            }),
          },
        ];
      },
    },
  ];
}

/** Reads each ticket of the read pool once, so the timed reads find their enrichment cached. */
async function warmReads(ctx: PrepareContext): Promise<string> {
  const started = Date.now();
  const queue = [...ctx.pools.readTicketIds];
  let failed = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const res = await fetch(`${ctx.url}/api/tickets/${id}`, { headers: ctx.headers });
        if (!res.ok) failed++;
        await res.arrayBuffer();
      }
    }),
  );
  return `read ${ctx.pools.readTicketIds.length} tickets once in ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? ` (${failed} failed)` : ''}`;
}
