import 'reflect-metadata';
import bcrypt from 'bcrypt';
import { Client } from 'pg';
import { createDataSource } from '../../src/platform/db/data-source';
import { CopyWriter, esc, NULL, opt, textArray, ts } from './copy-writer';
import { Random, Weighted } from './random';
import { LexemeTable } from './search-vector';
import { applyExtensions, seedExtensions, staleExtensions, type ExtensionRun } from './seed-extensions';
import {
  categoryWeights,
  extraTags,
  firstNames,
  lastNames,
  tagsByCategory,
  TextGenerator,
  type Category,
} from './words';

/** Bumped whenever the generator changes what it makes, so an old data set is rebuilt. */
const GENERATOR_VERSION = 2;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

export const defaultBenchDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/crm_bench';

/** Accounts the runner logs in with (bcrypt cost 4: seeded users only). */
export const benchUsers = {
  password: 'bench-password-1',
  admin: 'bench-admin@bench.test',
  lead: 'bench-lead@bench.test',
  agents: ['bench-agent-1@bench.test', 'bench-agent-2@bench.test', 'bench-agent-3@bench.test'],
  viewer: 'bench-viewer@bench.test',
} as const;

export interface SeedOptions {
  url: string;
  tickets: number;
  /** Default: tickets / 10 (100k for 1M), at least 50. */
  customers?: number;
  /** Default: 500, fewer for tiny sets. */
  agents?: number;
  seed?: number;
  /** Rebuild even when the database already holds this data set. */
  force?: boolean;
  /** Tickets generated per COPY round. */
  batchSize?: number;
  log?: (line: string) => void;
}

export interface SeedResult {
  skipped: boolean;
  database: string;
  counts: Record<string, number>;
  seconds: number;
  steps: Array<[string, number]>;
  /** The extensions this run applied (all of them after a core load, else only stale ones). */
  extensions: ExtensionRun[];
}

interface SeedInfo {
  tickets: number;
  customers: number;
  agents: number;
  seed: number;
  generator: number;
  migrations: string[];
  status: 'loading' | 'done';
  counts?: Record<string, number>;
  droppedIndexes?: string[];
  /** Extension name → the version applied (seed-extensions.ts). */
  extensions?: Record<string, number>;
}

export function resolveSizes(opts: SeedOptions): { tickets: number; customers: number; agents: number } {
  const tickets = opts.tickets;
  const customers = opts.customers ?? Math.max(50, Math.round(tickets / 10));
  const agents = opts.agents ?? Math.min(500, Math.max(12, Math.round(tickets / 20)));
  return { tickets, customers, agents };
}

/** Creates the database when missing (through the server's `postgres` database). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/** Runs the app's migrations; returns the names of all applied ones, in order. */
export async function migrate(url: string): Promise<string[]> {
  const ds = createDataSource({ url, poolSize: 2, statementTimeoutMs: 0, applicationName: 'crm-bench-seed' });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const rows: Array<{ name: string }> = await ds.query(`SELECT name FROM typeorm_migrations ORDER BY id`);
    return rows.map((r) => r.name);
  } finally {
    await ds.destroy();
  }
}

async function connect(url: string, name: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: name });
  await client.connect();
  return client;
}

const loadedTables = ['agents', 'customers', 'tickets', 'messages', 'ticket_status_changes'];

async function secondaryIndexes(client: Client): Promise<Array<{ name: string; def: string }>> {
  const { rows } = await client.query<{ name: string; def: string }>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname, ic.relname`,
    [loadedTables],
  );
  return rows;
}

async function readInfo(client: Client): Promise<SeedInfo | null> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS bench`);
  await client.query(`CREATE TABLE IF NOT EXISTS bench.seed_info (id int PRIMARY KEY, info jsonb NOT NULL)`);
  const { rows } = await client.query<{ info: SeedInfo }>(`SELECT info FROM bench.seed_info WHERE id = 1`);
  return rows[0]?.info ?? null;
}

async function writeInfo(client: Client, info: SeedInfo): Promise<void> {
  await client.query(
    `INSERT INTO bench.seed_info (id, info) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET info = EXCLUDED.info`,
    [JSON.stringify(info)],
  );
}

/** Runs CREATE INDEX statements on `parallel` connections at once. */
async function createIndexes(url: string, defs: string[], parallel: number): Promise<void> {
  const queue = [...defs];
  const workers = Array.from({ length: Math.min(parallel, queue.length) }, async (_, i) => {
    const c = await connect(url, `crm-bench-index-${i}`);
    try {
      await c.query(`SET maintenance_work_mem = '512MB'`);
      for (let def = queue.shift(); def !== undefined; def = queue.shift()) {
        await c.query(def.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS '));
      }
    } finally {
      await c.end();
    }
  });
  await Promise.all(workers);
}

/**
 * Loads a realistic data set straight into Postgres with COPY: agents, customers, tickets with
 * their messages, status history and full-text documents. Idempotent: a database that already
 * holds a complete data set of the same size, seed and generator version is kept, when its
 * migrations are the app's or the start of them (the newer ones have just run on the data, as
 * they would in production); anything else (another size, a migration inserted before one the
 * data saw, a crashed load, `force`) is truncated and rebuilt from scratch.
 */
export async function seedBenchDatabase(opts: SeedOptions): Promise<SeedResult> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const steps: Array<[string, number]> = [];
  let stepStart = started;
  const step = (name: string) => {
    const now = Date.now();
    steps.push([name, (now - stepStart) / 1000]);
    log(`  ${name}: ${((now - stepStart) / 1000).toFixed(1)} s`);
    stepStart = now;
  };
  const sizes = resolveSizes(opts);
  const seed = opts.seed ?? 42;
  const database = new URL(opts.url).pathname.slice(1);

  await ensureDatabase(opts.url);
  const migrations = await migrate(opts.url);
  step('migrations');
  const main = await connect(opts.url, 'crm-bench-seed');
  try {
    const previous = await readInfo(main);
    const wanted: SeedInfo = { ...sizes, seed, generator: GENERATOR_VERSION, migrations, status: 'loading' };
    const sameCore =
      !opts.force &&
      previous?.status === 'done' &&
      previous.tickets === wanted.tickets &&
      previous.customers === wanted.customers &&
      previous.agents === wanted.agents &&
      previous.seed === wanted.seed &&
      previous.generator === wanted.generator &&
      previous.migrations.every((name, i) => wanted.migrations[i] === name);
    if (sameCore) {
      const added = wanted.migrations.slice(previous.migrations.length);
      if (added.length > 0) {
        await writeInfo(main, { ...previous, migrations: wanted.migrations });
        log(`${database}: ran ${added.length} new migration(s) on the existing data: ${added.join(', ')}`);
      }
      const pending = staleExtensions(seedExtensions, previous.extensions ?? {});
      if (pending.length === 0) {
        log(`${database} already holds this data set; nothing to do (use --force to rebuild)`);
        return { skipped: true, database, counts: previous.counts ?? {}, seconds: 0, steps, extensions: [] };
      }
      log(`${database} holds this data set; applying extensions: ${pending.map((e) => e.name).join(', ')}`);
      const info: SeedInfo = {
        ...previous,
        migrations: wanted.migrations,
        counts: { ...previous.counts },
        extensions: { ...previous.extensions },
      };
      const runs = await runExtensions(main, opts.url, info, pending, seed, sizes.tickets, log);
      await vacuumAnalyze(opts.url, [...new Set(pending.flatMap((e) => e.tables))]);
      step('vacuum analyze');
      return {
        skipped: false,
        database,
        counts: info.counts ?? {},
        seconds: (Date.now() - started) / 1000,
        steps,
        extensions: runs,
      };
    }

    // Indexes a crashed load dropped come back first, so the list below is complete.
    if (previous?.droppedIndexes?.length) await createIndexes(opts.url, previous.droppedIndexes, 1);
    const { rows: tables } = await main.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables
        WHERE schemaname = 'public' AND tablename NOT LIKE 'typeorm\\_%'`,
    );
    await main.query(`TRUNCATE ${tables.map((t) => t.name).join(', ')} RESTART IDENTITY CASCADE`);
    const indexes = await secondaryIndexes(main);
    await writeInfo(main, { ...wanted, droppedIndexes: indexes.map((i) => i.def) });
    for (const index of indexes) await main.query(`DROP INDEX IF EXISTS "${index.name}"`);
    step(`truncate ${tables.length} tables, drop ${indexes.length} secondary indexes`);

    const counts = await load(opts.url, main, sizes, seed, opts.batchSize ?? 5000, log, step);

    await createIndexes(
      opts.url,
      indexes.map((i) => i.def),
      2,
    );
    step(`re-create ${indexes.length} indexes`);
    await main.query(`SELECT setval('ticket_number_seq', $1)`, [Math.max(1, sizes.tickets)]);
    const info: SeedInfo = { ...wanted, counts, extensions: {} };
    const runs = await runExtensions(main, opts.url, info, seedExtensions, seed, sizes.tickets, log);
    step(`${runs.length} extensions`);
    await vacuumAnalyze(
      opts.url,
      tables.map((t) => t.name),
    );
    step('vacuum analyze');
    const mismatches = await checkSearchVectors(main, 300);
    if (mismatches > 0) throw new Error(`${mismatches} of 300 sampled search vectors differ from the SQL`);
    step('check 300 search vectors against ticket_search_document()');
    await writeInfo(main, { ...info, status: 'done' });
    return {
      skipped: false,
      database,
      counts,
      seconds: (Date.now() - started) / 1000,
      steps,
      extensions: runs,
    };
  } finally {
    await main.end();
  }
}

/**
 * Applies extensions on top of the core data set, recording each one's version (and what it
 * made) as soon as it is done, so an interrupted pass resumes with the ones still missing.
 * Every extension sees the same "now": the data set is current as of this pass.
 */
async function runExtensions(
  main: Client,
  url: string,
  info: SeedInfo,
  pending: Parameters<typeof applyExtensions>[1],
  seed: number,
  tickets: number,
  log: (line: string) => void,
): Promise<ExtensionRun[]> {
  const ctx = { url, seed, tickets, now: new Date(), log };
  return applyExtensions(main, pending, ctx, async (run) => {
    info.extensions = { ...info.extensions, [run.name]: run.version };
    for (const [name, n] of Object.entries(run.counts)) (info.counts ??= {})[`${run.name}.${name}`] = n;
    // A core load records 'done' only at the end; an extension pass on a done set keeps it.
    if (info.status === 'done') await writeInfo(main, info);
  });
}

async function vacuumAnalyze(url: string, tables: string[]): Promise<void> {
  const queue = [...tables];
  await Promise.all(
    [0, 1].map(async (i) => {
      const c = await connect(url, `crm-bench-vacuum-${i}`);
      try {
        for (let t = queue.shift(); t !== undefined; t = queue.shift())
          await c.query(`VACUUM (ANALYZE) ${t}`);
      } finally {
        await c.end();
      }
    }),
  );
}

/** Number of sampled tickets whose stored vector differs from the trigger's SQL function. */
export async function checkSearchVectors(client: Client, sample: number): Promise<number> {
  const { rows } = await client.query<{ bad: string }>(
    `SELECT count(*) AS bad FROM (SELECT id, subject, search_vector FROM tickets ORDER BY random() LIMIT $1) t
      WHERE t.search_vector IS DISTINCT FROM ticket_search_document(t.subject, t.id)`,
    [sample],
  );
  return Number(rows[0]?.bad ?? 0);
}

// ---------------------------------------------------------------------------------------------

const statuses = {
  recent: new Weighted([
    ['new', 15],
    ['open', 45],
    ['pending', 20],
    ['on_hold', 10],
    ['solved', 7],
    ['closed', 3],
  ] as const),
  middle: new Weighted([
    ['open', 8],
    ['pending', 5],
    ['on_hold', 4],
    ['solved', 25],
    ['closed', 58],
  ] as const),
  old: new Weighted([
    ['open', 1],
    ['pending', 0.5],
    ['on_hold', 0.5],
    ['solved', 8],
    ['closed', 90],
  ] as const),
};
const priorities = new Weighted([
  ['low', 20],
  ['normal', 55],
  ['high', 18],
  ['urgent', 7],
] as const);
const channels = new Weighted([
  ['email', 40],
  ['chat', 22],
  ['web', 15],
  ['phone', 8],
  ['shopify', 8],
  ['gorgias', 5],
  ['slack', 2],
] as const);
const messageCounts = new Weighted([
  [1, 15],
  [2, 25],
  [3, 28],
  [4, 17],
  [5, 10],
  [6, 5],
] as const);
const languages = new Weighted([
  ['en', 70],
  ['es', 8],
  ['fr', 7],
  ['de', 7],
  ['it', 3],
  ['pt', 3],
  ['nl', 2],
] as const);
const timezoneOf: Record<string, string[]> = {
  en: ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London', 'Australia/Sydney'],
  es: ['Europe/Madrid', 'America/Mexico_City'],
  fr: ['Europe/Paris', 'America/Montreal'],
  de: ['Europe/Berlin', 'Europe/Vienna'],
  it: ['Europe/Rome'],
  pt: ['Europe/Lisbon', 'America/Sao_Paulo'],
  nl: ['Europe/Amsterdam'],
};
const specialisations = [
  'billing',
  'shipping',
  'returns',
  'technical',
  'account',
  'product',
  'fraud',
  'wholesale',
];
const otherLanguages = ['es', 'fr', 'de', 'it', 'pt', 'nl', 'ja', 'zh'];
const agentStatuses = new Weighted([
  ['online', 75],
  ['busy', 8],
  ['away', 7],
  ['offline', 10],
] as const);

interface AgentSeed {
  id: string;
  firstName: string;
  works: boolean;
}

async function load(
  url: string,
  main: Client,
  sizes: { tickets: number; customers: number; agents: number },
  seed: number,
  batchSize: number,
  log: (line: string) => void,
  step: (name: string) => void,
): Promise<Record<string, number>> {
  const rng = new Random(seed);
  const now = Date.now();
  const span = Math.min(730, Math.max(60, Math.round(sizes.tickets / 400))) * DAY;
  const passwordHash = await bcrypt.hash(benchUsers.password, 4);

  const connections = await Promise.all(
    ['agents', 'tickets', 'messages', 'history'].map((n) => connect(url, `crm-bench-copy-${n}`)),
  );
  const [agentConn, ticketConn, messageConn, historyConn] = connections as [Client, Client, Client, Client];
  try {
    for (const c of connections) {
      await c.query(`SET session_replication_role = replica`);
      await c.query(`SET synchronous_commit = off`);
    }

    // Agents: the runner's known accounts first, then a mixed team, most of it online.
    const agents: AgentSeed[] = [];
    const agentRows: string[] = [];
    const known: Array<[string, string, string]> = [
      [benchUsers.admin, 'Bench Admin', 'admin'],
      [benchUsers.lead, 'Bench Lead', 'lead'],
      ...benchUsers.agents.map((e, i): [string, string, string] => [e, `Bench Agent ${i + 1}`, 'agent']),
      [benchUsers.viewer, 'Bench Viewer', 'viewer'],
    ];
    for (let i = 0; i < sizes.agents; i++) {
      const id = rng.uuid();
      const first = rng.pick(firstNames);
      const last = rng.pick(lastNames);
      const k = known[i];
      const roleDraw = rng.next();
      const role =
        k?.[2] ??
        (roleDraw < 0.01 ? 'admin' : roleDraw < 0.05 ? 'lead' : roleDraw < 0.08 ? 'viewer' : 'agent');
      const active = k ? true : rng.chance(0.97);
      const langs = ['en'];
      for (let j = rng.int(0, 2); j > 0; j--) {
        const l = rng.pick(otherLanguages);
        if (!langs.includes(l)) langs.push(l);
      }
      const specs: string[] = [];
      for (let j = rng.int(1, 3); j > 0; j--) {
        const s = rng.pick(specialisations);
        if (!specs.includes(s)) specs.push(s);
      }
      const created = now - span - rng.int(1, 400) * DAY;
      agents.push({ id, firstName: first, works: active && (role === 'agent' || role === 'lead') });
      agentRows.push(
        [
          id,
          k?.[0] ?? `${first}.${last}.${i}@agents.bench.test`.toLowerCase(),
          esc(k?.[1] ?? `${first} ${last}`),
          passwordHash,
          role,
          rng.pick(['support', 'billing', 'logistics', 'technical']),
          k ? 'online' : agentStatuses.sample(rng),
          String(rng.pick([3, 5, 5, 8, 8, 10, 12, 15])),
          rng.chance(0.9) ? 't' : 'f',
          textArray(specs),
          textArray(langs),
          rng.chance(0.35) ? 'senior' : 'junior',
          active ? 't' : 'f',
          ts(now - rng.int(1, 600) * MINUTE),
          ts(created),
          ts(created),
        ].join('\t') + '\n',
      );
    }
    const agentCopy = new CopyWriter(
      agentConn,
      `COPY agents (id, email, name, password_hash, role, department, status, max_concurrent_tickets, accepts_new,
         specializations, languages, seniority, active, last_assigned_at, created_at, updated_at) FROM STDIN`,
    );
    await agentCopy.write(agentRows.join(''), agentRows.length);
    await agentCopy.end();
    const workers = agents.filter((a) => a.works);
    const workerPick = new Weighted(workers.map((a) => [a, 0.5 + rng.next()] as const));
    step(`agents: ${agents.length} (${workers.length} working tickets)`);

    // Tickets, messages and status history in batches, on three COPY streams at once.
    const customerIds = Array.from({ length: sizes.customers }, () => rng.uuid());
    const lastContact = new Float64Array(sizes.customers);
    const text = new TextGenerator(rng);
    const lexemes = new LexemeTable();
    const ticketCopy = new CopyWriter(
      ticketConn,
      `COPY tickets (id, number, subject, status, priority, channel, customer_id, assignee_id, tags, category, metadata,
         search_vector, first_responded_at, resolved_at, closed_at, created_at, updated_at, deleted_at) FROM STDIN`,
    );
    const messageCopy = new CopyWriter(
      messageConn,
      `COPY messages (id, ticket_id, author_type, agent_id, customer_id, body, internal, created_at, updated_at) FROM STDIN`,
    );
    const historyCopy = new CopyWriter(
      historyConn,
      `COPY ticket_status_changes (ticket_id, from_status, to_status, actor_id, created_at) FROM STDIN`,
    );
    let lastLog = Date.now();
    const timing = { resolve: 0, build: 0, write: 0 };
    for (let start = 0; start < sizes.tickets; start += batchSize) {
      const end = Math.min(sizes.tickets, start + batchSize);
      const batch: TicketDraft[] = [];
      for (let n = start; n < end; n++) {
        batch.push(draftTicket(n, sizes, rng, text, now, span, customerIds.length, workerPick));
      }
      const unknown = new Set<string>();
      for (const t of batch) lexemes.unknownWords([t.subject, ...t.messages.map((m) => m.body)], unknown);
      const t0 = Date.now();
      await lexemes.resolve(main, unknown);
      timing.resolve += Date.now() - t0;
      const t1 = Date.now();

      let tickets = '';
      let messages = '';
      let history = '';
      let messageRows = 0;
      let historyRows = 0;
      for (const t of batch) {
        const customerId = customerIds[t.customer] as string;
        const vector = lexemes.vector(
          t.subject,
          t.messages.filter((m) => !m.internal).map((m) => m.body),
        );
        tickets +=
          [
            t.id,
            String(t.number),
            esc(t.subject),
            t.status,
            t.priority,
            t.channel,
            customerId,
            opt(t.assigneeId),
            textArray(t.tags),
            opt(t.category),
            esc(JSON.stringify(t.metadata)),
            vector,
            ts(t.firstRespondedAt),
            ts(t.resolvedAt),
            ts(t.closedAt),
            ts(t.createdAt),
            ts(t.updatedAt),
            ts(t.deletedAt),
          ].join('\t') + '\n';
        for (const m of t.messages) {
          messages +=
            [
              m.id,
              t.id,
              m.author,
              opt(m.agentId),
              m.author === 'customer' ? customerId : NULL,
              esc(m.body),
              m.internal ? 't' : 'f',
              ts(m.at),
              ts(m.at),
            ].join('\t') + '\n';
          messageRows++;
          if (m.author === 'customer' && m.at > (lastContact[t.customer] as number))
            lastContact[t.customer] = m.at;
        }
        history += `${t.id}\t${NULL}\tnew\t${NULL}\t${ts(t.createdAt)}\n`;
        historyRows++;
        if (t.status !== 'new') {
          history += `${t.id}\tnew\t${t.status}\t${opt(t.assigneeId)}\t${ts(t.statusAt)}\n`;
          historyRows++;
        }
      }
      timing.build += Date.now() - t1;
      const t2 = Date.now();
      await Promise.all([
        ticketCopy.write(tickets, batch.length),
        messageCopy.write(messages, messageRows),
        historyCopy.write(history, historyRows),
      ]);
      timing.write += Date.now() - t2;
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(`    ${end.toLocaleString('en')} / ${sizes.tickets.toLocaleString('en')} tickets`);
      }
    }
    const t3 = Date.now();
    await Promise.all([ticketCopy.end(), messageCopy.end(), historyCopy.end()]);
    log(
      `    (lexemes ${timing.resolve} ms, rows ${timing.build} ms, waiting on COPY ${timing.write + Date.now() - t3} ms)`,
    );
    step(
      `tickets: ${ticketCopy.rows}, messages: ${messageCopy.rows}, status changes: ${historyCopy.rows} (COPY, search vectors computed in Node)`,
    );

    // Customers last, now that their last contact is known.
    const customerCopy = new CopyWriter(
      agentConn,
      `COPY customers (id, email, name, phone, shopify_customer_id, language, timezone, communication_channel, tier,
         last_contact_at, created_at, updated_at) FROM STDIN`,
    );
    let rows = '';
    for (let i = 0; i < customerIds.length; i++) {
      const first = rng.pick(firstNames);
      const last = rng.pick(lastNames);
      const language = languages.sample(rng);
      const created = now - span - rng.int(1, 365) * DAY;
      const contact = lastContact[i] as number;
      rows +=
        [
          customerIds[i] as string,
          `${first}.${last}.${i}@example.com`.toLowerCase(),
          esc(`${first} ${last}`),
          rng.chance(0.6) ? `+1555${String(rng.int(1000000, 9999999))}` : NULL,
          rng.chance(0.45) ? String(6_000_000_000_000 + i) : NULL,
          language,
          rng.pick(timezoneOf[language] ?? ['UTC']),
          rng.pick(['email', 'email', 'chat', 'phone']),
          rng.chance(0.05) ? 'vip' : 'standard',
          contact > 0 ? ts(contact) : NULL,
          ts(created),
          ts(created),
        ].join('\t') + '\n';
      if (rows.length > 1_000_000) {
        await customerCopy.write(rows, 0);
        rows = '';
      }
    }
    await customerCopy.write(rows, 0);
    customerCopy.rows = customerIds.length;
    await customerCopy.end();
    step(`customers: ${customerIds.length}`);

    return {
      agents: agents.length,
      customers: customerIds.length,
      tickets: ticketCopy.rows,
      messages: messageCopy.rows,
      statusChanges: historyCopy.rows,
    };
  } finally {
    await Promise.all(connections.map((c) => c.end()));
  }
}

interface MessageDraft {
  id: string;
  author: 'agent' | 'customer';
  agentId: string | null;
  body: string;
  internal: boolean;
  at: number;
}

interface TicketDraft {
  id: string;
  number: number;
  subject: string;
  status: 'new' | 'open' | 'pending' | 'on_hold' | 'solved' | 'closed';
  priority: string;
  channel: string;
  customer: number;
  assigneeId: string | null;
  tags: string[];
  category: string | null;
  metadata: Record<string, string>;
  firstRespondedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  createdAt: number;
  updatedAt: number;
  statusAt: number;
  deletedAt: number | null;
  messages: MessageDraft[];
}

function draftTicket(
  n: number,
  sizes: { tickets: number },
  rng: Random,
  text: TextGenerator,
  now: number,
  span: number,
  customers: number,
  workerPick: Weighted<AgentSeed>,
): TicketDraft {
  // Ticket n+1 is the (n+1)-th oldest; age falls linearly with the number.
  const age = 1 - (n + 1) / sizes.tickets;
  const createdAt = Math.round(now - age * span - rng.next() * HOUR - MINUTE);
  const status = (age < 0.05 ? statuses.recent : age < 0.2 ? statuses.middle : statuses.old).sample(rng);
  const category: Category = categoryWeights.sample(rng);
  const assigned =
    status === 'new'
      ? rng.chance(0.3)
      : status === 'solved' || status === 'closed'
        ? rng.chance(0.97)
        : rng.chance(0.9);
  const assignee = assigned ? workerPick.sample(rng) : null;
  const replier = assignee ?? workerPick.sample(rng);

  const tags = new Set<string>();
  const catTags = tagsByCategory[category];
  if (rng.chance(0.8)) tags.add(catTags[0] as string);
  for (let k = rng.int(0, 2); k > 0; k--) tags.add(catTags[rng.skewedIndex(catTags.length)] as string);
  if (rng.chance(0.08)) tags.add(rng.pick(extraTags));

  // The conversation: customer first, then turns; a new ticket has no agent reply yet.
  const count = status === 'new' ? rng.int(1, 2) : messageCounts.sample(rng);
  const messages: MessageDraft[] = [];
  let at = createdAt;
  let firstRespondedAt: number | null = null;
  for (let k = 0; k < count; k++) {
    const fromAgent = status !== 'new' && k % 2 === 1;
    // Strictly increasing, also when capped near "now": the search document orders by time.
    if (k > 0)
      at = Math.max(at + 1000, Math.min(now - MINUTE, at + rng.int(5, fromAgent ? 600 : 2880) * MINUTE));
    const internal = fromAgent && rng.chance(0.08);
    messages.push({
      id: rng.uuid(),
      author: fromAgent ? 'agent' : 'customer',
      agentId: fromAgent ? replier.id : null,
      body: fromAgent
        ? internal
          ? text.internalNote(category)
          : text.agentMessage(category, replier.firstName)
        : text.customerMessage(category, k > 0),
      internal,
      at,
    });
    if (fromAgent && !internal && firstRespondedAt === null) firstRespondedAt = at;
  }
  const lastAt = at;
  let resolvedAt: number | null = null;
  let closedAt: number | null = null;
  if (status === 'solved' || status === 'closed') {
    resolvedAt = Math.min(now - MINUTE, lastAt + rng.int(10, 1440) * MINUTE);
    if (status === 'closed') closedAt = Math.min(now - MINUTE, resolvedAt + rng.int(1, 4) * DAY);
  }
  const updatedAt = Math.max(lastAt, resolvedAt ?? 0, closedAt ?? 0);
  return {
    id: rng.uuid(),
    number: n + 1,
    subject: text.subject(category),
    status,
    priority: priorities.sample(rng),
    channel: channels.sample(rng),
    customer: rng.skewedIndex(customers, 1.6),
    assigneeId: assignee?.id ?? null,
    tags: [...tags],
    category: rng.chance(0.88) ? category : null,
    metadata: rng.chance(0.3)
      ? { source: rng.pick(['web-form', 'email-import', 'chat-widget', 'phone-log']) }
      : {},
    firstRespondedAt,
    resolvedAt,
    closedAt,
    createdAt,
    updatedAt,
    statusAt: closedAt ?? resolvedAt ?? firstRespondedAt ?? lastAt,
    deletedAt: rng.chance(0.002) ? Math.min(now, updatedAt + HOUR) : null,
    messages,
  };
}
